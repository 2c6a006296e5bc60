package io.grow4j.kernels.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads device profiles (YAML, or JSON, which is YAML too) strictly: an unknown or misspelt field is an error naming
 * the file and the field, because a silently ignored "fallbak: fail" would turn a guarantee into a default.
 */
public final class DeviceProfiles {
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private DeviceProfiles() {
    }

    /** Loads a profile file; a null path gives {@link DeviceProfile#DEFAULT}. */
    public static DeviceProfile load(Path file) {
        if (file == null) {
            return DeviceProfile.DEFAULT;
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read device profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses profile text; {@code source} names it in errors. */
    public static DeviceProfile parse(String text, String source) {
        try {
            DeviceProfile profile = YAML.readValue(text, DeviceProfile.class);
            if (profile == null) {
                throw new IllegalArgumentException("device profile " + source + " is empty");
            }
            return profile;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "?" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new IllegalArgumentException("device profile " + source + ": unknown field '" + path(e)
                    + "' (known here: " + known + ")", e);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("device profile " + source + ": bad value at '" + path(e) + "': "
                    + cause.getMessage().lines().findFirst().orElse(""), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("device profile " + source + " is not valid YAML: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
