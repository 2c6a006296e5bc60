package io.grow4j.model.format;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An output that reaches the source through a link, a hard link or a nesting is refused; one beside it is not. */
class SourceOverlapTest {
    @TempDir
    Path tmp;
    Path real;
    Path source;

    /** real/hf holds the model; plink -> real, as in the reproduction. */
    @BeforeEach
    void writeSource() throws IOException {
        real = Files.createDirectory(tmp.resolve("real"));
        source = Files.createDirectory(real.resolve("hf"));
        Files.writeString(source.resolve("config.json"), "{}");
        Files.writeString(source.resolve("model.safetensors"), "weights");
        Files.createSymbolicLink(tmp.resolve("plink"), real);
    }

    @Test
    void theSourceThroughASymlinkedParentIsTheSource() throws IOException {
        String problem = refused(source, tmp.resolve("plink/hf"));
        assertTrue(problem.contains("overlaps the model") && problem.contains(" is " + source.toRealPath()), problem);
    }

    @Test
    void aFileModelThroughASymlinkedParentIsTheSource() throws IOException {
        Path bin = Files.writeString(real.resolve("model.bin"), "llama2.c");
        refused(bin, tmp.resolve("plink/model.bin"));
    }

    @Test
    void aHardLinkToTheSourceFileIsTheSource() throws IOException {
        Path bin = Files.writeString(real.resolve("model.bin"), "llama2.c");
        Path link = Files.createLink(tmp.resolve("link.bin"), bin);
        String problem = refused(bin, link);
        assertTrue(problem.contains(" is "), problem);
    }

    @Test
    void insideTheSourceThroughALinkAndNotYetExisting() {
        String problem = refused(source, tmp.resolve("plink/hf/grown/deeper"));
        assertTrue(problem.contains("is inside"), problem);
    }

    @Test
    void anOutputContainingTheSourceIsRefused() {
        String problem = refused(source, tmp.resolve("plink"));
        assertTrue(problem.contains("contains"), problem);
    }

    @Test
    void aShardLinkedFromTheSourceDirectoryIsPartOfIt() throws IOException {
        Path blobs = Files.createDirectory(tmp.resolve("blobs"));
        Path blob = Files.writeString(blobs.resolve("sha256-1"), "shard");
        Path snapshot = Files.createDirectory(tmp.resolve("snapshot"));
        Files.createSymbolicLink(snapshot.resolve("model-00001-of-00001.safetensors"), blob);
        refused(snapshot, blob);
        refused(snapshot, tmp.resolve("plink/../blobs/sha256-1"));
    }

    @Test
    void aSiblingOutputIsAccepted() throws IOException {
        assertEquals(Optional.empty(), SourceOverlap.problem(source, tmp.resolve("plink/hf-grown")));
        assertEquals(Optional.empty(), SourceOverlap.problem(source, tmp.resolve("missing/parent/out")));
    }

    @Test
    void resolveFollowsLinksOfTheExistingPrefixOnly() throws IOException {
        assertEquals(real.toRealPath().resolve("new/name"), SourceOverlap.resolve(tmp.resolve("plink/new/name")));
    }

    private String refused(Path model, Path out) {
        try {
            Optional<String> problem = SourceOverlap.problem(model, out);
            assertTrue(problem.isPresent(), out + " must be refused as overlapping " + model);
            assertTrue(problem.get().startsWith("output " + out + " overlaps the model " + model), problem.get());
            return problem.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
