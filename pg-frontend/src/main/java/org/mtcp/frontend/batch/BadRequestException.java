package org.mtcp.frontend.batch;

/** A request refused before anything runs: HTTP status, error code, message and where in the JSON. */
public final class BadRequestException extends Exception {

    private final int status;
    private final String code;
    private final String path;

    public BadRequestException(int status, String code, String message, String path) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.path = path;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** JSON path of the offending value, or null. */
    public String path() {
        return path;
    }
}
