package io.zerocp.daemon;

import io.zerocp.testkit.ChildJvm;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zerocp.testkit.PythonPeer;
import io.zerocp.testkit.RawClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 25 (degraded): one uid keeping the creation slots busy made other uids' creations fail with
 * {@code ERROR: Too many requests}. The slots are shared out by the kernel's uid ({@link CreationSlots}): a real
 * {@code nobody} process (setpriv) asks for 20 regions at once while the file worker is held in the middle of its first
 * (a {@link GatedDaemon}), then a root process asks for 3; none of root's is refused.
 */
class CreationSlotsTest
{
    private static final List<String> AS_NOBODY =
        List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--");

    /** Sends {@code COUNT} creations from as many sockets, then tells which were refused at once and which came later. */
    private static final String ASK_MANY = String.join("\n",
        "socks = [sock(b'\\0kit-%s-%d-%d' % (WHO, os.getpid(), i)) for i in range(COUNT)]",
        "for i, s in enumerate(socks): s.sendto(b'GET_SHM_PATH:%s_%d,size=4096' % (WHO, i), daemon)",
        "print(ask(sock(b'\\0kit-%s-ping-%d' % (WHO, os.getpid())), b'PING')[0])", // every request before it was handled
        "waiting = []",
        "refused = 0",
        "for s in socks:",
        "    s.setblocking(False)",
        "    try:",
        "        r = s.recv(100)",
        "        refused += 1 if r == b'ERROR: Too many requests' else 0",
        "    except BlockingIOError:",
        "        waiting.append(s)",
        "print('refused', refused)",
        "paths = 0",
        "for s in waiting:",
        "    s.settimeout(120)",
        "    paths += 1 if s.recv(200).startswith(b'/') else 0",
        "print('paths', paths)");

    @BeforeEach
    void requireNativeAndNobody()
    {
        assumeTrue(null == Transports.nativeUnavailable(), "native transport unavailable: " +
            Transports.nativeUnavailable());
        assumeTrue(!"junixsocket".equals(System.getProperty("zerocp.transport")),
            "slots go by the kernel's uid: junixsocket has none (the native run covers it)");
        assumeTrue(PythonPeer.available(), "python3 is not available");
        assumeTrue(ChildJvm.canRunAs("nobody"), "needs root, setpriv and a user nobody");
    }

    @Test
    void oneUidKeepingTheSlotsBusyNeverRefusesAnotherUidsCreation() throws Exception
    {
        try (GatedDaemon daemon = new GatedDaemon("{\"transport\": \"native\", \"socket-mode\": \"0666\", " +
            "\"open-max-bytes\": 1099511627776}"))
        {
            daemon.shut();
            try (PythonPeer hog = PythonPeer.start(AS_NOBODY, daemon.socket(), script("hog", 20)))
            {
                assertEquals("PONG", hog.readLine(60));
                final String hogRefused = hog.readLine(60);
                daemon.awaitHeld(); // the hog's first creation is on the worker, held there: its slots stay taken

                try (PythonPeer root = PythonPeer.start(daemon.socket(), script("root", 3)))
                {
                    assertEquals("PONG", root.readLine(60));
                    assertEquals("refused 0", root.readLine(60), "root's creations were refused while nobody's " +
                        "were under way");
                    daemon.open();
                    assertEquals("paths 3", root.readLine(120));
                }
                assertEquals("refused " + (20 - CreationSlots.MAX_PER_UID), hogRefused,
                    "one uid has " + CreationSlots.MAX_PER_UID + " creations under way at most");
                assertEquals("paths " + CreationSlots.MAX_PER_UID, hog.readLine(120));
            }
        }
    }

    /**
     * The one file worker takes one creation of each uid at a time: root's creation, asked for while nobody's first
     * is held on the worker and three more of nobody's wait, is made right after that first, not after all four.
     */
    @Test
    void anotherUidsCreationWaitsBehindOneOfTheHogsNotAll() throws Exception
    {
        final Logger registryLog = (Logger)LoggerFactory.getLogger(Registry.class);
        final ListAppender<ILoggingEvent> made = new ListAppender<>();
        made.start();
        registryLog.addAppender(made);
        try (GatedDaemon daemon = new GatedDaemon("{\"transport\": \"native\", \"socket-mode\": \"0666\", " +
            "\"open-max-bytes\": 1099511627776}"))
        {
            daemon.shut();
            try (PythonPeer hog = PythonPeer.start(AS_NOBODY, daemon.socket(), script("hog", 4));
                RawClient root = new RawClient(daemon.socket());
                RawClient ping = new RawClient(daemon.socket()))
            {
                assertEquals("PONG", hog.readLine(60));
                assertEquals("refused 0", hog.readLine(60));
                daemon.awaitHeld(); // hog_0 on the worker; hog_1 to hog_3 asked for too
                root.channel().socket().setSoTimeout(120_000);
                root.send("GET_SHM_PATH:root_0,size=4096");
                assertEquals("PONG", ping.ask("PING")); // root's request was handled
                daemon.open();
                assertEquals(daemon.regionFile("root_0").toString(), root.receive());
                assertEquals("paths 4", hog.readLine(120));
            }
        }
        finally
        {
            registryLog.detachAppender(made);
        }
        final List<String> order = made.list.stream().map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.startsWith("created region ")).map(m -> m.split(" ")[2]).toList();
        assertEquals(List.of("hog_0", "root_0", "hog_1", "hog_2", "hog_3"), order, "the order regions were made in");
    }

    private static String script(final String who, final int count)
    {
        return "WHO = b'" + who + "'\nCOUNT = " + count + "\n" + ASK_MANY;
    }
}
