"""The shopping cart: a signed JSON cookie for anonymous shoppers, a Redis hash and selection set for
logged-in users, merged at login (SPEC D1-D4)."""
