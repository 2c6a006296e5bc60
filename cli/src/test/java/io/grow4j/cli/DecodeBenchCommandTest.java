package io.grow4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench decode} refuses bad counts with exit 2 and one line naming the options and values, before it allocates
 * its buffer or builds a model (a run takes minutes, so only the refusals are run here).
 */
class DecodeBenchCommandTest {

    @Test
    void badRoundsThreadsOrSpinAreRefusedTogether() {
        Cli cli = Cli.run("bench", "decode", "--rounds", "0", "--threads", "0,2", "--spin-us", "-1");
        assertEquals(2, cli.exitCode(), cli.err());
        assertTrue(cli.err().startsWith("grow4j bench decode: error: --rounds and --threads must be >= 1 and --spin-us >= 0,"
                + " got 0, [0, 2] and [-1]"), cli.err());
        assertTrue(cli.out().isEmpty(), cli.out());
    }
}
