package org.mtcp.cli;

import java.util.function.Supplier;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.Policies;
import picocli.CommandLine.TypeConversionException;

/** Turns {@code --policy} specs into policy factories, through mtcp-core's parser. */
final class PolicySpecs {

    private PolicySpecs() {}

    static Supplier<MigrationPolicy> parse(String spec) {
        try {
            return Policies.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
