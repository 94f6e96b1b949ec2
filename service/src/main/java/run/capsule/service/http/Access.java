package run.capsule.service.http;

/** Who may use a route: anyone (health, the contract, the dashboard's files), any token, or a token that may change things. */
public enum Access {
    PUBLIC, READ, ADMIN
}
