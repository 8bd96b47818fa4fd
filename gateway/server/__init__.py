"""The gateway server: admission, services, projection, alerts."""
