package org.mtcp.testkit.pg;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link LivePostgres}: creates the class's {@link TestDatabase}
 * before all its tests, resolves {@code TestDatabase} parameters, and drops it after all tests.
 * Nested classes share their enclosing class's database.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);
    private static final String KEY = "database";

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (context.getStore(NAMESPACE).get(KEY, TestDatabase.class) != null) {
            return;                         // a nested class: the enclosing class's database
        }
        Class<?> testClass = context.getRequiredTestClass();
        List<String> extensions = AnnotationSupport.findAnnotation(testClass, LivePostgres.class)
                .map(a -> List.of(a.extensions()))
                .orElse(List.of());
        TestDatabase db = TestDatabase.create(PostgresServers.shared(), testClass.getSimpleName(), extensions);
        context.getStore(NAMESPACE).put(KEY, db);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // remove() sees this class's own store only: a nested class leaves its parent's database alone
        TestDatabase db = context.getStore(NAMESPACE).remove(KEY, TestDatabase.class);
        if (db != null) {
            db.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        TestDatabase db = extensionContext.getStore(NAMESPACE).get(KEY, TestDatabase.class);
        if (db == null) {
            throw new ParameterResolutionException("no test database: annotate the test class with @LivePostgres");
        }
        return db;
    }

}
