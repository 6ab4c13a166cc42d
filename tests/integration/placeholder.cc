// placeholder until integration tests land
