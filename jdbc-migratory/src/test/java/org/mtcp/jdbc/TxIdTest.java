package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TxIdTest {

    @Test
    void parsesAndPrintsTimelineAndUnsigned64BitXid() {
        assertThat(TxId.parse("3:742")).isEqualTo(new TxId(3, 742));
        assertThat(TxId.parse("4294967295:18446744073709551615").toString()).isEqualTo("4294967295:18446744073709551615");
        assertThat(TxId.parse("1:18446744073709551615").compareTo(TxId.parse("1:1"))).isPositive();
        assertThat(TxId.parse("2:1").compareTo(TxId.parse("1:5"))).as("a later timeline comes later").isPositive();
        assertThat(TxId.parse("1:4294967298")).isEqualTo(new TxId(1, 4294967298L));
        assertThat(TxId.parse("1:742").isQualified()).isTrue();
    }

    @Test
    void aBareXidOfVersion01IsUnqualified() {
        TxId bare = TxId.parse("742");
        assertThat(bare).isEqualTo(TxId.unqualified(742));
        assertThat(bare.isQualified()).isFalse();
        assertThat(bare.timeline()).isEqualTo(TxId.UNQUALIFIED);
        assertThat(bare.toString()).isEqualTo("742");
        assertThat(TxId.parse("18446744073709551615").toString()).isEqualTo("18446744073709551615");
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : new String[] {"", "-1", "+1", "12abc", " 1", "1.0", "18446744073709551616", "123456789012345678901",
                "1:", ":1", "1:2:3", "0:1", "4294967296:1", "-1:1", "1 :1", "12345678901:1", "1:12abc", "1:-1"}) {
            assertThatThrownBy(() -> TxId.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed transaction id");
        }
        assertThatThrownBy(() -> new TxId(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TxId(1L << 32, 1)).isInstanceOf(IllegalArgumentException.class);
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
