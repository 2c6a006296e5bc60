package io.grow4j.kernels.device;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device profiles load strictly: unknown fields and bad values are errors naming the file and the field. */
class DeviceProfilesTest {

    @Test
    void readsEveryField() {
        DeviceProfile p = DeviceProfiles.parse("""
                name: test
                backends: [aparapi, cpu]
                device: {type: gpu, platform: 1, index: 2}
                fallback: warn
                workGroups: {matmulTile: 16, matvec: 128, pad: 256}
                """, "test.yaml");
        assertEquals("test", p.name());
        assertEquals(List.of("aparapi", "cpu"), p.backends());
        assertEquals(new DeviceChoice(DeviceType.GPU, 1, 2), p.device());
        assertEquals(FallbackPolicy.WARN, p.fallback());
        assertEquals(16, p.workGroups().matmulTile());
        assertEquals(128, p.workGroups().matvec());
        assertEquals(256, p.workGroups().pad());
        assertEquals(WorkGroupSizes.DEFAULT.rmsnorm(), p.workGroups().rmsnorm(), "missing sizes take defaults");
    }

    @Test
    void unknownTopLevelFieldNamesFileAndField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceProfiles.parse("name: x\nfallbak: fail\n", "devices/bad.yaml"));
        assertTrue(e.getMessage().contains("devices/bad.yaml") && e.getMessage().contains("'fallbak'")
                && e.getMessage().contains("fallback"), e.getMessage());
    }

    @Test
    void unknownNestedFieldNamesItsPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceProfiles.parse("workGroups: {matmul: 16}\n", "p.yaml"));
        assertTrue(e.getMessage().contains("p.yaml") && e.getMessage().contains("'workGroups.matmul'"), e.getMessage());
    }

    @Test
    void badValuesAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> DeviceProfiles.parse("fallback: maybe\n", "p.yaml"));
        assertThrows(IllegalArgumentException.class, () -> DeviceProfiles.parse("backends: [cuda]\n", "p.yaml"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceProfiles.parse("workGroups: {matvec: 100}\n", "p.yaml"));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceProfiles.parse("device: {index: -1}\n", "p.yaml"));
        assertThrows(IllegalArgumentException.class, () -> DeviceProfiles.parse("name: a\nname: b\n", "p.yaml"));
    }

    @Test
    void theShippedProfilesLoad() throws IOException {
        Path dir = Path.of("..", "devices");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> profiles = files.filter(f -> f.toString().endsWith(".yaml")).toList();
            assertFalse(profiles.isEmpty(), "no profiles in " + dir.toAbsolutePath());
            for (Path f : profiles) {
                DeviceProfile p = DeviceProfiles.load(f);
                assertFalse(p.backends().isEmpty(), f + " lists no backends");
            }
        }
    }

    @Test
    void noFileMeansTheDefault() {
        assertEquals(DeviceProfile.DEFAULT, DeviceProfiles.load(null));
    }
}
