package io.jcluster.runtime.netty;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Finds where final responses end in what one connection writes: the last part of a response whose
 * status is not 1xx ({@code 100 Continue} is not the answer; {@code 101 Switching Protocols} is, since
 * the connection stops speaking HTTP after it). Not thread-safe: one per connection.
 */
final class ResponseEnds {
    private boolean informational;

    /** Whether {@code msg} (written in order) ends a final response. */
    boolean isFinalEnd(Object msg) {
        if (msg instanceof HttpResponse response) {
            HttpResponseStatus status = response.status();
            informational = status.codeClass() == HttpStatusClass.INFORMATIONAL
                    && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
        }
        if (msg instanceof LastHttpContent) {
            boolean end = !informational;
            informational = false;
            return end;
        }
        return false;
    }
}
