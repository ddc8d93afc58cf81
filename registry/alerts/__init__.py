"""Alert rules, their lifecycle and notifications (issue 19): docs/alerts.md."""
