package run.capsule.service.auth;

/** What a token may do: {@code admin} everything, {@code read} list and read only. */
public enum Role {
    ADMIN, READ;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
