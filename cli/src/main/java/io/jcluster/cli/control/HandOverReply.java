package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The running primary's answer to {@code hand-over} on {@code control.sock}, from the new primary
 * that {@code jcluster upgrade} started: what the new one needs to run the same app on the same
 * sockets. The sockets themselves follow on {@code hand-over-sockets}, one fd per slot (SCM_RIGHTS).
 *
 * <p>The conversation, on one connection that the new primary keeps open as a lease (if it closes
 * before {@code retire}, the running primary carries on as if nothing happened):
 * <pre>
 *   new → old  {"command":"hand-over"}          old ← begins the change, answers this record
 *   new → old  {"command":"hand-over-sockets"}  old ← N fds, slot order (the new side reads fds now)
 *   new → old  {"command":"retire"}             old ← {"progress":…} once it stopped steering,
 *                                                     {"ok":true} once its workers are gone; it exits
 * </pre>
 *
 * @param ok         false when the hand-over is refused (another change runs, the app is stopping)
 * @param error      why it is refused
 * @param protocol   {@link #PROTOCOL}: a new primary refuses an old one whose protocol it does not know
 * @param pid        the running primary's pid
 * @param generation its generation: the new workers run the next one
 * @param slots      its number of slots (after any scale), the number of fds that follow
 * @param port       the app's port
 * @param host       the address the slot sockets are bound to
 * @param listen     {@code handoff} or {@code self} (then no fd follows)
 * @param steering   the slot of each socket of the kernel's reuseport group, in the group's order
 *                   (the steering program picks sockets by that order)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HandOverReply(boolean ok, String error, Integer protocol, Long pid, Long generation, Integer slots,
                            Integer port, String host, String listen, List<Integer> steering) {
    public static final int PROTOCOL = 1;

    public static HandOverReply refused(String error) {
        return new HandOverReply(false, error, PROTOCOL, null, null, null, null, null, null, null);
    }
}
