package org.mtcp.testkit.pg;

import java.util.Objects;
import java.util.Properties;

/**
 * A login role created for one test database (dropped with it), with its generated password.
 *
 * @param name     the role's name, unique on the server
 * @param password its password (the embedded server trusts local connections, an external one may not)
 */
public record TestRole(String name, String password) {

    public TestRole {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
    }

    /** JDBC connection properties: {@code user} and {@code password}. */
    public Properties properties() {
        Properties p = new Properties();
        p.setProperty("user", name);
        p.setProperty("password", password);
        return p;
    }

    @Override
    public String toString() {
        return "TestRole[" + name + "]";
    }
}
