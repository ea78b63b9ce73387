package io.ndevid.actors.transport;

import com.typesafe.config.ConfigFactory;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportSettingsTest {

    @Test
    void defaultsAreValidAndSized() {
        TransportSettings s = TransportSettings.defaults();
        assertNull(s.aeronDir());
        assertEquals(ThreadingMode.SHARED, s.threadingMode());
        assertEquals(64 << 20, s.ipcTermLength());
        assertEquals(16 << 20, s.udpTermLength());
        assertEquals(65504, s.udpMtu());
        assertEquals(0, s.chunkSize());
        assertEquals(65504 - 32 - 40, TransportSettings.autoChunkSize(s.ipcMtu()));
    }

    @Test
    void fromConfigReadsTheNdevidAeronBlockWithUnits() {
        TransportSettings s = TransportSettings.fromConfig(ConfigFactory.parseString("""
                ndevid.aeron {
                  dir = "/tmp/x-aeron"
                  term-length = 8MiB
                  udp-mtu = 8192
                  chunk-size = 256KiB
                  receive-timeout = 750ms
                  threading-mode = shared_network
                }""").getConfig("ndevid.aeron"));
        assertEquals(Path.of("/tmp/x-aeron"), s.aeronDir());
        assertEquals(8 << 20, s.ipcTermLength());
        assertEquals(8 << 20, s.udpTermLength());
        assertEquals(8192, s.udpMtu());
        assertEquals(256 << 10, s.chunkSize());
        assertEquals(Duration.ofMillis(750), s.receiveTimeout());
        assertEquals(ThreadingMode.SHARED_NETWORK, s.threadingMode());
        assertEquals(TransportSettings.defaults().connectTimeout(), s.connectTimeout());
    }

    @Test
    void theClusterBaseConfigBlockParses() {
        // cluster-config/base.conf: dir = ${?NDEVID_AERON_DIR}, term-length = 16MiB
        TransportSettings s = TransportSettings.fromConfig(ConfigFactory.parseString(
                "ndevid.aeron { dir = ${?NDEVID_AERON_DIR_THAT_IS_NOT_SET}\n term-length = 16MiB }").resolve()
                .getConfig("ndevid.aeron"));
        assertNull(s.aeronDir());
        assertEquals(16 << 20, s.udpTermLength());
    }

    @Test
    void invalidValuesFailWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransportSettings.builder().ipcTermLength(3_000_000).build());
        assertTrue(e.getMessage().contains("ipcTermLength"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TransportSettings.builder().chunkSize(4 << 20).build());
        assertTrue(e.getMessage().contains("term/8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransportSettings.builder().udpMtu(65536).build());
        assertTrue(e.getMessage().contains("udpMtu"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TransportSettings.builder().receiveTimeout(Duration.ZERO).build());
    }
}
