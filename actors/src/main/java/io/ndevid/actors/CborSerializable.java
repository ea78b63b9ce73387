package io.ndevid.actors;

/**
 * Marker for every message that may cross a process boundary. {@code cluster-config/base.conf} binds it to Akka's
 * {@code jackson-cbor} serializer; a message that does not implement it fails loudly when sent remotely instead of
 * falling back to Java serialization. Messages carry small descriptors only: tensors travel over Aeron
 * ({@link io.ndevid.actors.transport}).
 */
public interface CborSerializable {
}
