package io.ndevid.study.experiment;


/**
 * One trainer slot: a trainer process on a node (one per GPU or CPU slot).
 *
 * @param nodeId the node agent's id (host name by default)
 * @param slot   0-based slot on that node
 * @param pid    the trainer process id (for operators and {@code ps})
 * @param device {@code cpu} or {@code gpu:N} (the physical GPU the slot owns)
 */
public record SlotInfo(String nodeId, int slot, long pid, String device) {

    /** {@code node/slot-K}. */
    public String id() {
        return nodeId + "/slot-" + slot;
    }
}
