package org.mtcp.cli.get;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.mtcp.core.ConnectionId;

/**
 * What {@code mtcp get} prints, as one JSON line.
 *
 * @param status HTTP status code
 * @param bytes body bytes received
 * @param sha256 SHA-256 of the body
 * @param migrations migrations of the connection
 * @param servers servers that held the connection, in order of first use
 * @param seconds from connecting to the end of the body
 * @param connectionId the M-TCP connection id
 */
public record GetResult(int status, long bytes, byte[] sha256, int migrations, List<String> servers,
        double seconds, ConnectionId connectionId) {

    public GetResult {
        sha256 = sha256.clone();
        servers = List.copyOf(servers);
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** The JSON line: {@code {"status":200,"bytes":..,"sha256":"..","migrations":..,"servers":[..],"seconds":..,"cid":".."}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"status\":").append(status)
                .append(",\"bytes\":").append(bytes)
                .append(",\"sha256\":\"").append(sha256Hex()).append('"')
                .append(",\"migrations\":").append(migrations)
                .append(",\"servers\":[");
        for (int i = 0; i < servers.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            quote(sb, servers.get(i));
        }
        sb.append("],\"seconds\":").append(String.format(Locale.ROOT, "%.3f", seconds))
                .append(",\"cid\":\"").append(connectionId).append("\"}");
        return sb.toString();
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetResult r && status == r.status && bytes == r.bytes
                && java.util.Arrays.equals(sha256, r.sha256) && migrations == r.migrations
                && servers.equals(r.servers) && seconds == r.seconds
                && java.util.Objects.equals(connectionId, r.connectionId);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(status, bytes, java.util.Arrays.hashCode(sha256), migrations, servers,
                seconds, connectionId);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
