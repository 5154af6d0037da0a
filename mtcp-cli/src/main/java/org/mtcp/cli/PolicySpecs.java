package org.mtcp.cli;

import java.util.function.Supplier;
import org.mtcp.core.policy.MigrationPolicy;
import picocli.CommandLine.TypeConversionException;

/** Turns {@code --policy} specs into policy factories, through mtcp-core's parser. */
final class PolicySpecs {

    private PolicySpecs() {}

    @SuppressWarnings("unchecked")
    static Supplier<MigrationPolicy> parse(String spec) {
        // TEMPORARY: org.mtcp.core.policy.Policies is being added to mtcp-core; called
        // reflectively until the installed jar has it.
        try {
            Class<?> policies = Class.forName("org.mtcp.core.policy.Policies");
            Supplier<MigrationPolicy> supplier =
                    (Supplier<MigrationPolicy>) policies.getMethod("parse", String.class).invoke(null, spec);
            supplier.get();
            return supplier;
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new TypeConversionException("bad policy '" + spec + "': " + e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new TypeConversionException("policies are not available in this build of mtcp-core");
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("bad policy '" + spec + "': " + e.getMessage());
        }
    }
}
