package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.testkit.Bytes.ascii;
import static org.mtcp.testkit.Bytes.readAscii;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.CertificateAuthority;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * Migration certificates on real sockets: forged, expired, replayed (stale) and unknown ones are
 * refused with a clear error and change nothing; two servers racing for one connection get it
 * once.
 */
@Timeout(60)
class CertificateSecurityTest {

    LoopbackPool pool;

    @BeforeEach
    void start() throws IOException {
        pool = LoopbackPool.start(3);
        pool.serve(new TransformApp(16));
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    /** The connection still carries bytes both ways, exactly once. */
    static void assertStillWorks(MtcpSocket s, String probe, long offset) throws IOException {
        s.getOutputStream().write(ascii(probe));
        byte[] got = s.getInputStream().readNBytes(probe.length());
        assertThat(got).hasSize(probe.length());
    }

    static Frame.Reset refused(InetSocketAddress a, Frame.Hello hello) throws IOException {
        try (RawClient raw = new RawClient(a)) {
            Frame f = raw.send(hello).readUntilResetOrWelcome();
            assertThat(f).as("answer to %s", hello).isInstanceOf(Frame.Reset.class);
            return (Frame.Reset) f;
        }
    }

    /** The answer to {@code s}'s own certificate {@code cert} presented at {@code target} with its proof. */
    Frame.Reset refusedRightful(MtcpSocket s, String target, byte[] cert) throws IOException {
        try (RawClient raw = new RawClient(pool.serviceAddress(target))) {
            Frame f = raw.send(raw.signedMigrateHello(s.id(), Certificate.decode(cert).epoch(), cert,
                    s.connection().clientKey(), target)).readUntilResetOrWelcome();
            assertThat(f).as("answer at %s", target).isInstanceOf(Frame.Reset.class);
            return (Frame.Reset) f;
        }
    }

    @Test
    void forgedCertificateIsRefusedAndChangesNothing() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            byte[] cert = s.connection().certificate();
            cert[cert.length - 1] ^= 1; // flip one bit of the MAC
            Frame.Reset r = refused(pool.serviceAddress("s2"), RawClient.migrateHello(s.id(), 0, cert));
            assertThat(r.code()).isEqualTo(ResetCode.BAD_CERTIFICATE);
            assertThat(r.message()).contains("signature is invalid");

            // Signed with another secret: same answer.
            CertificateAuthority other = new CertificateAuthority(new byte[32], Duration.ofMinutes(1), Clock.systemUTC());
            byte[] alien = other.issue(s.id(), 0, "s1").encode();
            assertThat(refused(pool.serviceAddress("s3"), RawClient.migrateHello(s.id(), 0, alien)).code())
                    .isEqualTo(ResetCode.BAD_CERTIFICATE);

            // Genuine certificate, but for another epoch than claimed.
            byte[] good = s.connection().certificate();
            assertThat(refused(pool.serviceAddress("s2"), RawClient.migrateHello(s.id(), 5, good)).message())
                    .contains("not " + s.id() + " epoch 5");

            assertThat(s.currentServer()).isEqualTo("s1");
            assertStillWorks(s, "ping", 0);
            assertThat(pool.server("s1").stats().migratedOut()).isZero();
            assertThat(pool.server("s2").stats().rejected()).isGreaterThanOrEqualTo(2);
            assertThat(s.migrate("s2").succeeded()).isTrue(); // the genuine one still works
        }
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
            byte[] expired = new CertificateAuthority(pool.secret(), Duration.ofMinutes(10), past)
                    .issue(s.id(), 0, "s1").encode();
            Frame.Reset r = refused(pool.serviceAddress("s2"), RawClient.migrateHello(s.id(), 0, expired));
            assertThat(r.code()).isEqualTo(ResetCode.EXPIRED_CERTIFICATE);
            assertThat(r.message()).contains("expired");
            assertStillWorks(s, "still", 0);
            assertThat(s.migrate().succeeded()).isTrue();
        }
    }

    @Test
    void replayedCertificateOfAnOldEpochIsStale() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            byte[] epoch0 = s.connection().certificate();
            assertThat(s.migrate("s2").succeeded()).isTrue();
            assertStillWorks(s, "moved", 0);
            // Replayed (with a valid proof: by the client itself) at a third server: the old holder
            // says the epoch is gone.
            Frame.Reset r = refusedRightful(s, "s3", epoch0);
            assertThat(r.code()).isEqualTo(ResetCode.STALE_CERTIFICATE);
            assertThat(r.message()).contains("stale");
            assertThat(r.hint()).isEqualTo("s2");
            // Replayed at the current holder and at the old holder: refused too.
            assertThat(refusedRightful(s, "s2", epoch0).code()).isEqualTo(ResetCode.STALE_CERTIFICATE);
            assertThat(refusedRightful(s, "s1", epoch0).code()).isEqualTo(ResetCode.STALE_CERTIFICATE);
            // By anyone else: no proof, so refused before staleness is even looked at.
            assertThat(refused(pool.serviceAddress("s3"), RawClient.migrateHello(s.id(), 0, epoch0)).code())
                    .isEqualTo(ResetCode.BAD_PROOF);
            assertThat(s.currentServer()).isEqualTo("s2");
            assertStillWorks(s, "unchanged", 0);
            assertThat(pool.server("s2").stats().migratedOut()).isZero();
        }
    }

    @Test
    void unknownConnectionIsRefused() throws Exception {
        ConnectionId unknown = ConnectionId.random();
        byte[] cert = new CertificateAuthority(pool.secret(), Duration.ofMinutes(1), Clock.systemUTC())
                .issue(unknown, 3, "s1").encode();
        Frame.Reset r = refused(pool.serviceAddress("s2"), RawClient.migrateHello(unknown, 3, cert));
        assertThat(r.code()).isEqualTo(ResetCode.UNKNOWN_CONNECTION);
        assertThat(r.message()).contains(unknown.toString());
        // At the named holder itself.
        assertThat(refused(pool.serviceAddress("s1"), RawClient.migrateHello(unknown, 3, cert)).code())
                .isEqualTo(ResetCode.UNKNOWN_CONNECTION);
        // A holder name outside the pool.
        byte[] stranger = new CertificateAuthority(pool.secret(), Duration.ofMinutes(1), Clock.systemUTC())
                .issue(unknown, 0, "s9").encode();
        assertThat(refused(pool.serviceAddress("s1"), RawClient.migrateHello(unknown, 0, stranger)).message())
                .contains("not in this pool");
    }

    @Test
    void twoServersFetchingTheSameConnectionAtOnceExactlyOneWins() throws Exception {
        for (int round = 0; round < 10; round++) {
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(),
                    ClientOptions.defaults().withFailover(false))) {
                byte[] cert = s.connection().certificate();
                ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
                List<Callable<Frame>> racers = new ArrayList<>();
                List<RawClient> raws = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (String target : List.of("s2", "s3", "s2", "s3")) {
                    racers.add(() -> {
                        // Kept open until every racer has its answer: the winner's link stays up.
                        RawClient raw = new RawClient(pool.serviceAddress(target));
                        raws.add(raw);
                        // the client itself, racing with its own certificate: each HELLO signed for its link
                        return raw.send(raw.signedMigrateHello(s.id(), 0, cert, s.connection().clientKey(), target))
                                .readUntilResetOrWelcome();
                    });
                }
                List<Frame> answers = new ArrayList<>();
                for (Future<Frame> f : exec.invokeAll(racers)) {
                    answers.add(f.get());
                }
                for (RawClient raw : raws) {
                    raw.close();
                }
                exec.shutdown();
                assertThat(answers).filteredOn(f -> f instanceof Frame.Welcome).hasSize(1);
                assertThat(answers).filteredOn(f -> f instanceof Frame.Reset).hasSize(3)
                        .allSatisfy(f -> assertThat(((Frame.Reset) f).code())
                                .isIn(ResetCode.STALE_CERTIFICATE, ResetCode.BUSY));
                Frame.Welcome w = (Frame.Welcome) answers.stream().filter(f -> f instanceof Frame.Welcome)
                        .findFirst().orElseThrow();
                assertThat(w.epoch()).isEqualTo(1);
                assertThat(Certificate.decode(w.certificate()).epoch()).isEqualTo(1);
                long out = pool.server("s1").stats().migratedOut();
                assertThat(out).isEqualTo(round + 1);
            }
        }
    }

    @Test
    void everyMigrationIssuesAFreshCertificate() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            Certificate c0 = Certificate.decode(s.connection().certificate());
            assertThat(c0.epoch()).isZero();
            assertThat(c0.holder()).isEqualTo("s1");
            s.migrate("s3");
            Certificate c1 = Certificate.decode(s.connection().certificate());
            assertThat(c1.epoch()).isEqualTo(1);
            assertThat(c1.holder()).isEqualTo("s3");
            assertThat(c1.id()).isEqualTo(s.id());
            s.getOutputStream().write(ascii("x"));
            assertThat(readAscii(s.getInputStream(), 1)).hasSize(1);
        }
    }
}
