"""Page routes, one module per area; registry.web.setup assembles them."""
