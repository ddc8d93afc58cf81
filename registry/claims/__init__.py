"""Claims of a registered enterprise (a seeded record nobody owns yet) by its real people: requested at
sign-up or from an account, decided by staff (issue 19)."""
