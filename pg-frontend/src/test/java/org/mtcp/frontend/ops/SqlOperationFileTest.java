package org.mtcp.frontend.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlOperationFileTest {

    @Test
    void parsesDeclarations() throws Exception {
        List<Operation> ops = SqlOperationFile.parse(new StringReader("""
                -- a comment before
                -- operation: deposit
                -- params: account bigint, amount numeric, memo text?
                -- returns: row
                -- expect: 1
                UPDATE bank.accounts SET balance = balance + :amount
                 WHERE id = :account AND :memo::text IS NOT DISTINCT FROM :memo
                RETURNING id, balance;

                -- operation: count
                -- returns: count
                SELECT 1;
                """), "test.sql");
        assertThat(ops).hasSize(2);
        SqlOperationFile.SqlOperation deposit = (SqlOperationFile.SqlOperation) ops.get(0);
        assertThat(deposit.name()).isEqualTo("deposit");
        assertThat(deposit.params()).containsExactly(Param.required("account", ParamType.INTEGER),
                Param.required("amount", ParamType.NUMBER), Param.optional("memo", ParamType.STRING));
        assertThat(deposit.sql()).contains("balance + ?").contains("?::text").doesNotContain(":amount").doesNotEndWith(";");
        assertThat(deposit.bindOrder()).containsExactly("amount", "account", "memo", "memo");
        assertThat(deposit.returns()).isEqualTo(SqlOperationFile.Returns.ROW);
        assertThat(deposit.expect()).isEqualTo(1);
        assertThat(((SqlOperationFile.SqlOperation) ops.get(1)).returns()).isEqualTo(SqlOperationFile.Returns.COUNT);
    }

    @Test
    void refusesMistakesWithTheLine() {
        assertThatThrownBy(() -> SqlOperationFile.parse(new StringReader("SELECT 1;"), "f.sql"))
                .hasMessageContaining("f.sql:1");
        assertThatThrownBy(() -> SqlOperationFile.parse(new StringReader("-- operation: x\n-- params: a bigint\nSELECT :b"), "f.sql"))
                .hasMessageContaining(":b");
        assertThatThrownBy(() -> SqlOperationFile.parse(new StringReader("-- operation: x\n-- params: a blob\nSELECT 1"), "f.sql"))
                .hasMessageContaining("f.sql:2");
        assertThatThrownBy(() -> SqlOperationFile.parse(new StringReader("-- operation: x\n"), "f.sql"))
                .hasMessageContaining("no SQL");
    }
}
