package io.jcluster.cli.top;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import java.io.IOException;

/** {@code top}'s keys as control requests: {@code restart}, {@code reload} and {@code scale}, one connection each. */
public final class ControlTopActions implements TopActions {
    private final Home home;
    private final String app;

    public ControlTopActions(Home home, String app) {
        this.home = home;
        this.app = app;
    }

    @Override
    public String restart(int slot) {
        return call(ControlRequest.restart(slot), "restart of slot " + slot);
    }

    @Override
    public String reload() {
        return call(new ControlRequest(ControlRequest.RELOAD), "reload of " + app);
    }

    @Override
    public String scale(int delta) {
        return call(ControlRequest.scaleBy(delta), "scale " + (delta > 0 ? "+" : "") + delta);
    }

    private String call(ControlRequest request, String what) {
        try (ControlClient client = Apps.connect(home, app)) {
            ControlReply reply = client.call(request);
            if (!reply.ok()) return what + " failed: " + reply.error();
            if (reply.status() != null) return what + ": done (" + reply.status().workers().size() + " workers, " + reply.status().state() + ")";
            return what + ": done";
        } catch (IOException e) {
            return what + " failed: " + e.getMessage();
        }
    }
}
