"""GQL: GraphQL servers open to introspection, unbounded queries or unauthenticated resolvers."""
