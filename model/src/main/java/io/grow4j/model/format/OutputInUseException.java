package io.grow4j.model.format;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** Another run (another process, or another thread of this one) is writing the same output right now. */
public final class OutputInUseException extends FileSystemException {
    public OutputInUseException(Path out, Path lockFile, String holder) {
        super(out.toString(), null, "another run" + (holder.isEmpty() ? "" : " (" + holder + ")")
                + " is writing this output (it holds the lock " + lockFile.getFileName()
                + "); wait for it to finish or choose another output");
    }
}
