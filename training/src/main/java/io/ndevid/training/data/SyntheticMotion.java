package io.ndevid.training.data;

/**
 * The motion classes of {@link SyntheticVideos}, in label order. Image coordinates: x to the right, y downwards.
 */
public enum SyntheticMotion {
    /** A shape translates to the right at constant speed. */
    MOVE_RIGHT,
    /** A shape translates to the left. */
    MOVE_LEFT,
    /** A shape translates upwards (y decreasing). */
    MOVE_UP,
    /** A shape translates downwards (y increasing). */
    MOVE_DOWN,
    /** An elongated bar rotates clockwise on screen about a fixed centre. */
    ROTATE_CW,
    /** A shape grows about a fixed centre. */
    GROW,
    /** A shape shrinks about a fixed centre. */
    SHRINK,
    /** A ball falls and bounces off the floor of the frame (vertical velocity changes sign). */
    BOUNCE;

    /** The class with label {@code label}. */
    public static SyntheticMotion ofLabel(int label) {
        return values()[label];
    }

    /** The label of this class. */
    public int label() {
        return ordinal();
    }
}
