package io.grow4j.cli.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.CacheType;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The forked JVM of {@link LlamaCpp}: greedy ids of one GGUF file in llama.cpp, printed as one line "ids 461 461 ...",
 * "unavailable REASON" (exit 4) where the native library does not load, or "refused REASON" (exit 5) where llama.cpp
 * does not load the file. It halts instead of returning because the
 * binding's JVM does not exit after close() (shared/ENGINES.md).
 *
 * <p>Args: the GGUF path, the number of ids, the context size. The vocabulary's pieces must spell their ids ("[17]",
 * as {@code GgufVocabulary} writes them): generation returns text, and the ids are read back from it.
 */
public final class LlamaCppGreedyMain {
    static final int UNAVAILABLE = 4;
    static final int REFUSED = 5;
    private static final Pattern ID = Pattern.compile("\\[(\\d+)]");

    private LlamaCppGreedyMain() {
    }

    public static void main(String[] args) throws Exception {
        String gguf = args[0];
        int steps = Integer.parseInt(args[1]);
        int context = Integer.parseInt(args[2]);
        LlamaModel model;
        try {
            Class.forName("de.kherud.llama.LlamaModel", true, LlamaCppGreedyMain.class.getClassLoader());
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
            System.out.println("unavailable llama.cpp's native library does not load: " + e);
            System.out.flush();
            Runtime.getRuntime().halt(UNAVAILABLE);
            return;
        }
        try {
            // The default F16 KV cache rounds keys and values enough to flip a greedy token late in a sequence.
            model = new LlamaModel(new ModelParameters().setModel(gguf).setCtxSize(context).setThreads(1)
                    .setThreadsBatch(1).setGpuLayers(0).setCacheTypeK(CacheType.F32).setCacheTypeV(CacheType.F32)
                    .skipWarmup());
        } catch (UnsatisfiedLinkError e) {
            System.out.println("unavailable llama.cpp's native library does not load: " + e.getMessage());
            System.out.flush();
            Runtime.getRuntime().halt(UNAVAILABLE);
            return;
        } catch (RuntimeException e) {
            // LlamaException (package-private): the file itself (an architecture this build lacks, a tensor it does not expect): the caller decides.
            System.out.println("refused " + e.getMessage().replace('\n', ' '));
            System.out.flush();
            Runtime.getRuntime().halt(REFUSED);
            return;
        }
        List<Integer> ids = new ArrayList<>();
        List<Integer> prompt = new ArrayList<>(List.of(1));
        StringBuilder raw = new StringBuilder();
        for (LlamaOutput out : model.generate(greedy(prompt, steps))) {
            raw.append(out.text);
        }
        Matcher m = ID.matcher(raw);
        while (m.find()) {
            ids.add(Integer.parseInt(m.group(1)));
        }
        System.out.println("ids " + ids.stream().map(String::valueOf).collect(Collectors.joining(" ")));
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** Temperature 0 and top-k 1 (argmax), no penalties, the prompt given as token ids rather than text. */
    private static InferenceParameters greedy(List<Integer> prompt, int steps) throws ReflectiveOperationException {
        InferenceParameters p = new InferenceParameters("").setNPredict(steps).setTemperature(0).setTopK(1)
                .setRepeatPenalty(1).setFrequencyPenalty(0).setPresencePenalty(0).setSeed(0).setCachePrompt(false);
        // llama.cpp's server takes a prompt of token ids as a JSON array; the binding only offers a text setter.
        Field parameters = InferenceParameters.class.getSuperclass().getDeclaredField("parameters");
        parameters.setAccessible(true);
        @SuppressWarnings("unchecked")
        Map<String, String> json = (Map<String, String>) parameters.get(p);
        json.put("prompt", prompt.toString());
        return p;
    }
}
