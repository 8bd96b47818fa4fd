#!/usr/bin/env python3
"""Standard gRPC health check (grpc.health.v1.Health/Check) of a regulink gateway, over mTLS.

The gateway requires a client certificate signed by its CA on every connection,
health checks included, so neither Docker's nor Kubernetes' built-in gRPC
probes can reach it. This script presents one. The health service does not
look at the certificate's CN (only the regulink services require a registered
agency), so give it a certificate of its own, e.g. CN "healthcheck", that is
not a registered agency and can call nothing else:

    regulink dev-ca healthcheck --tls-dir ./tls      # development CA
    (or issue CN=healthcheck from your own CA, client-auth EKU)

Exit status 0 when the service answers SERVING, 1 otherwise (what Docker's
HEALTHCHECK and a Kubernetes exec probe expect). Every option has an
environment twin so a probe definition stays one word:

    REGULINK_HEALTH_TARGET       HOST:PORT  [localhost:<port of REGULINK_LISTEN, else 7443>]
    REGULINK_TLS_DIR             folder with ca.pem and clients/<client>.pem, -key.pem [/etc/regulink/tls]
    REGULINK_HEALTH_CLIENT       client certificate name under clients/  [healthcheck]
    REGULINK_HEALTH_SERVER_NAME  name to check the server certificate against, when it does not
                                 name the target host (e.g. a production certificate without
                                 "localhost" in its SANs)
    REGULINK_HEALTH_SERVICE      service to ask about; "" = the whole server [""]
    REGULINK_HEALTH_TIMEOUT      seconds [3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _default_target() -> str:
    listen = os.environ.get("REGULINK_LISTEN", "")
    port = listen.rpartition(":")[2] if ":" in listen else ""
    return f"localhost:{port if port.isdigit() else 7443}"


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="gRPC health check of a regulink gateway over mTLS")
    parser.add_argument("--target", default=env("REGULINK_HEALTH_TARGET") or _default_target())
    parser.add_argument("--tls-dir", type=Path, default=Path(env("REGULINK_TLS_DIR") or "/etc/regulink/tls"))
    parser.add_argument("--client", default=env("REGULINK_HEALTH_CLIENT") or "healthcheck")
    parser.add_argument("--server-name", default=env("REGULINK_HEALTH_SERVER_NAME") or "")
    parser.add_argument("--service", default=env("REGULINK_HEALTH_SERVICE", ""))
    parser.add_argument("--timeout", type=float, default=float(env("REGULINK_HEALTH_TIMEOUT") or 3))
    args = parser.parse_args(argv)

    # Imported after parsing so that --help works without grpcio.
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    tls = args.tls_dir
    try:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=(tls / "ca.pem").read_bytes(),
            private_key=(tls / "clients" / f"{args.client}-key.pem").read_bytes(),
            certificate_chain=(tls / "clients" / f"{args.client}.pem").read_bytes(),
        )
    except OSError as exc:
        print(f"unhealthy: cannot read the probe's TLS files: {exc}", file=sys.stderr)
        return 1
    options = [("grpc.ssl_target_name_override", args.server_name)] if args.server_name else []
    with grpc.secure_channel(args.target, credentials, options=options) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            answer = stub.Check(health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout)
        except grpc.RpcError as exc:
            print(f"unhealthy: {args.target}: {exc.code().name} {exc.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    print(f"{args.target} {args.service or '(server)'}: {status}")
    return 0 if answer.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
