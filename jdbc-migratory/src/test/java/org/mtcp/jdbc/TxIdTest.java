package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TxIdTest {

    @Test
    void parsesAndPrintsUnsigned64BitValues() {
        assertThat(TxId.parse("742").value()).isEqualTo(742);
        assertThat(TxId.parse("18446744073709551615").toString()).isEqualTo("18446744073709551615");
        assertThat(TxId.parse("18446744073709551615").compareTo(TxId.parse("1"))).isPositive();
        assertThat(TxId.parse("4294967298")).isEqualTo(new TxId(4294967298L));
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : new String[] {"", "-1", "+1", "12abc", " 1", "1.0", "18446744073709551616", "123456789012345678901"}) {
            assertThatThrownBy(() -> TxId.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed transaction id");
        }
    }

    @Test
    void outcomesMapTheSqlWords() throws Exception {
        for (Outcome o : Outcome.values()) {
            assertThat(Outcome.fromSql(o.sql())).isSameAs(o);
        }
        assertThat(Outcome.COMMITTED.isDefinite()).isTrue();
        assertThat(Outcome.UNKNOWN.isDefinite()).isFalse();
        assertThatThrownBy(() -> Outcome.fromSql("maybe")).hasMessageContaining("maybe");
    }
}
