"""Access control and governance: principals and tokens, the policy decision point (`policy.authorize`),
grants and access requests, the hash-chained audit log and partners' usage reports. See docs/security.md."""
