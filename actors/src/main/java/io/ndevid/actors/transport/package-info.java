/**
 * Tensors between processes and hosts over Aeron; Akka messages carry only a {@link
 * io.ndevid.actors.transport.TensorDescriptor}.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.ndevid.actors.transport.TransportSettings}: every knob, read once (defaults, builder, or
 *       {@code fromConfig(config.getConfig("ndevid.aeron"))}).</li>
 *   <li>{@link io.ndevid.actors.transport.AeronNode}: an embedded media driver in a unique directory (deleted on
 *       close) or a client of a running driver; makes senders and receivers.</li>
 *   <li>{@link io.ndevid.actors.transport.TensorSender}: {@code send(name, shape, dtype, payload)} → descriptor;
 *       {@code resend(descriptor, payload[, chunks])}. Blocking; handles every {@code offer()} result.</li>
 *   <li>{@link io.ndevid.actors.transport.TensorReceiver}: an Agent; {@code expect(descriptor)} →
 *       {@code CompletableFuture<ReceivedTensor>} or a {@link io.ndevid.actors.transport.TransferException}.</li>
 *   <li>{@link io.ndevid.actors.transport.TransferRetry}: "on failure, ask the sender to resend, up to N times".</li>
 *   <li>{@link io.ndevid.actors.transport.ChunkFilter} / {@link io.ndevid.actors.transport.ChunkFilters}: fault
 *       injection for tests (drop, duplicate, corrupt, reorder).</li>
 * </ul>
 *
 * <h2>Wire format</h2>
 * A tensor of L bytes travels as max(1, ⌈L / chunkSize⌉) Aeron messages, each a 40-byte header
 * ({@code ChunkHeader}: magic, chunk index, transfer id, total length, chunk count, chunk size, payload CRC32C,
 * header CRC32C) followed by the chunk's bytes. By default a chunk fills one frame (MTU 65504 → 65 432 payload
 * bytes), so Aeron never fragments it and the receiver copies each chunk once, straight to its offset in the
 * result buffer. The descriptor's CRC32C covers the whole payload; sender and receiver derive it from the chunk
 * CRCs (CRC combination) instead of reading the payload a second time.
 *
 * <h2>Retry protocol</h2>
 * The receiver never delivers unverified bytes. On LOST_CHUNKS or CORRUPT_CHUNKS it keeps the verified chunks and
 * names the missing ones: the sender resends those (or everything), the receiver is asked to {@code expect} the
 * same descriptor again. On DUPLICATE_CONFLICT, MALFORMED_CHUNK or PAYLOAD_CRC_MISMATCH it drops the transfer: the
 * sender resends everything. A resend keeps the transfer id and the bytes, so late chunks of an earlier attempt
 * are harmless duplicates. The actors layer relays the resend request to the sender's node; in one process,
 * {@code TransferRetry.receive(receiver, d, n, f -> sender.resend(d, payload, f.missingChunks()), executor)}.
 */
package io.ndevid.actors.transport;
