"""The API key stays with the configured Octopus, and TLS verification stays on.

Everything runs through the built body, as Calamari runs it. Small loopback servers stand in
for what a hostile or broken network might do: redirect the step to another host, echo the key
back in an error, or present a certificate from a private authority. The suite-wide
`no_key_leaks` check (conftest.py) also runs after every test here.
"""

import datetime
import http.server
import ipaddress
import json
import os
import select
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from e2e_steps import SIM_KEY, created_deployments, key_leaks
from octopus_sim import TaskScript

PERMISSIONS = ("Project Viewer", "Environment Viewer", "Deployment Creator", "interruptions")


# -- tiny loopback servers ---------------------------------------------------------------------
class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records every request and answers with `answer`.

    `answer(handler)` returns (status, headers, body bytes) or (status, headers, body, reason).
    """

    def __init__(self, answer):
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests.append((self.command, self.path, dict(self.headers)))
                status, headers, body, *reason = answer(self)
                self.send_response(status, *reason)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:{0}".format(self.port)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def requests_with_key(self):
        return [r for r in self.requests
                if any(SIM_KEY.lower() in str(v).lower() for v in r[2].values())]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    started = []

    def start(answer):
        server = LoopbackServer(answer)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def json_answer(status, payload, headers=None):
    return lambda handler: (status, dict({"Content-Type": "application/json"}, **(headers or {})),
                            json.dumps(payload).encode("utf-8"))


def assert_no_deployment(sim, suite):
    for project in ("Database", "Scheduling Service", "Web API", "Web UI"):
        for environment in suite.environments:
            assert created_deployments(sim, suite, project, environment) == []


def assert_key_absent(run, key=SIM_KEY):
    assert key_leaks(run, key) == []


# -- redirects ---------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("target", ["another port", "localhost, same port", "the simulator as localhost"])
def test_a_redirect_to_another_host_never_receives_the_key(step, sim, suite, servers, status, target):
    recorder = servers(json_answer(200, {"Items": []}))
    ports = {"another port": "http://127.0.0.1:{0}".format(recorder.port),
             "the simulator as localhost": "http://localhost:{0}".format(sim.port)}

    def redirect(handler):
        if handler.headers.get("Host", "").startswith("localhost"):
            return 200, {"Content-Type": "application/json"}, b'{"Items": []}'   # followed: caught below
        base = ports.get(target, "http://localhost:{0}".format(redirector.port))
        return status, {"Location": base + handler.path}, b""

    redirector = servers(redirect)
    run = step("Web API", "Staging", **{"Web.ServerUrl": redirector.url})
    assert run.exit_code != 0 and run.stderr == ""
    assert "another address" in run.result_message and '"Octopus Base Url"' in run.result_message
    assert recorder.requests == [] and sim.requests == []
    assert all(r[2].get("Host", "").startswith("127.0.0.1") for r in redirector.requests)
    assert_no_deployment(sim, suite)


# -- the key echoed back ---------------------------------------------------------------------------
ECHOES = {
    "400 ErrorMessage and Errors": lambda key: json_answer(
        400, {"ErrorMessage": "Key {0} may not do this.".format(key),
              "Errors": ["The key {0} was rejected.".format(key)]}),
    "401 ErrorMessage": lambda key: json_answer(401, {"ErrorMessage": "Invalid API key " + key}),
    "503 retried, ErrorMessage": lambda key: json_answer(503, {"ErrorMessage": "Busy with " + key}),
    "500 reason phrase, HTML body": lambda key: lambda handler: (
        500, {"Content-Type": "text/html"}, ("<p>" + key + "</p>").encode("utf-8"), "Oops " + key),
    "200 Content-Type": lambda key: lambda handler: (
        200, {"Content-Type": "text/html; key=" + key}, b"<html></html>"),
    "302 to a path holding the key": lambda key: lambda handler: (
        302, {"Location": "http://127.0.0.2:9/api/{0}".format(key.lower())}, b""),
}


@pytest.mark.parametrize("echo", sorted(ECHOES))
def test_the_key_echoed_back_by_the_server_is_never_shown(step, sim, suite, servers, echo):
    server = servers(ECHOES[echo](SIM_KEY))
    run = step("Web API", "Staging", **{"Web.ServerUrl": server.url})
    assert run.exit_code != 0 and run.stderr == ""
    assert server.requests_with_key(), "the configured server did receive the key"
    if not echo.startswith("302"):          # a refused redirect is reported by its origin only
        assert "********" in run.result_message
    assert_key_absent(run)
    assert_no_deployment(sim, suite)


def test_retries_of_an_echoing_server_are_logged_without_the_key(step, servers):
    server = servers(ECHOES["503 retried, ErrorMessage"](SIM_KEY))
    run = step("Web API", "Staging", **{"Web.ServerUrl": server.url})
    retries = [line for line in run.text("verbose").splitlines() if line.startswith("Retrying ")]
    assert len(retries) == len(server.requests) - 1 >= 2
    assert all("********" in line for line in retries)
    assert_key_absent(run)


def test_verbose_log_outputs_and_artifact_of_a_full_run_hold_no_key(step, sim, suite):
    """Enhanced logging copies a child log line that prints the key; it is masked too."""
    sim.world.set_task_script(suite.projects["Web API"], TaskScript(
        run_seconds=5, log_lines=["Connecting with " + SIM_KEY]))
    run = step("Web API", "Staging", **{"EnableEnhancedLogging.Value": "Yes",
                                        "ReleaseNotes.SaveAsArtifact": "Yes"})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed" and run.artifacts
    assert "Connecting with ********" in run.text()
    assert run.text("verbose").count("GET /api/") > 5
    assert_key_absent(run)
    for path, _name in run.artifacts:
        with open(path, encoding="utf-8") as handle:
            assert SIM_KEY not in handle.read()


def test_what_if_body_dump_holds_no_key(step):
    """Web UI prompts for its banner text; a value holding the key is masked in the dump."""
    run = step("Web UI", "Staging", **{"WhatIf.Value": "Yes", "DeploymentMode.Value": "Redeploy",
                                       "Prompted.Variables": "WebUI.BannerText::" + SIM_KEY})
    assert run.exit_code == 0 and run.outputs["ChildOutcome"] == "WhatIf"
    [dump] = [line for line in run.text("verbose").splitlines() if "What If: the step would POST" in line]
    assert "FormValues" in dump and "(set)" in dump
    assert_key_absent(run)


# -- permissions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("restriction,status", [(None, "401"), ("read_only", "403"), ("space_ids", "403")])
def test_a_refused_key_names_the_key_parameter_and_the_permissions(step, sim, suite, restriction, status):
    """A key Octopus does not know (401), or a user who may not do this (403): nothing created."""
    key = "API-LIMITEDUSERKEY000000000000"
    if restriction:
        sim.world.add_user("limited", api_key=key, **{restriction: True if restriction == "read_only" else []})
    run = step("Web API", "Staging", **{"Api.Key": key})
    assert run.exit_code != 0 and run.stderr == ""
    assert status in run.result_message and '"Octopus API Key"' in run.result_message
    assert all(permission in run.result_message for permission in PERMISSIONS)
    assert_key_absent(run, key)
    assert_no_deployment(sim, suite)


# -- TLS ---------------------------------------------------------------------------------------------
class TlsFront:
    """TLS on 127.0.0.1 in front of the (plain HTTP) simulator: a byte pump per connection."""

    def __init__(self, cert_file, key_file, backend_port):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.backend_port = backend_port
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "https://127.0.0.1:{0}".format(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()     # the client refused our certificate
            return
        backend = socket.create_connection(("127.0.0.1", self.backend_port))
        try:
            pump(tls, backend)
        finally:
            tls.close()
            backend.close()

    def close(self):
        self.listener.close()


def pump(tls, backend):
    """Copy bytes both ways until either side closes."""
    while True:
        ready = [tls] if tls.pending() else select.select([tls, backend], [], [], 30)[0]
        if not ready:
            return
        for source in ready:
            target = backend if source is tls else tls
            try:
                data = source.recv(65536)
            except (ssl.SSLError, OSError):
                return
            if not data:
                return
            target.sendall(data)


def make_certificates(folder):
    """A private CA, a server certificate for 127.0.0.1 it signed, and an unrelated CA (PEMs)."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither the cryptography package nor the openssl command is available "
                        "to make a test certificate authority")
        return _openssl_certificates(folder)
    return _cryptography_certificates(folder)


def _cryptography_certificates(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(text):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def build(subject, key, issuer, issuer_key, ca):
        builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       issuer_key.public_key()), critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = build("Child Deploy Test CA", ca_key, "Child Deploy Test CA", ca_key, True)
    other = build("Some Other CA", other_key, "Some Other CA", other_key, True)
    server = build("127.0.0.1", server_key, "Child Deploy Test CA", ca_key, False)
    key_file = os.path.join(folder, "server.key")
    with open(key_file, "wb") as handle:
        handle.write(server_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return _write(folder, pem(ca), pem(other), pem(server), key_file)


def _openssl_certificates(folder):
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=folder, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for stem, cn in (("ca", "Child Deploy Test CA"), ("other", "Some Other CA")):
        openssl("req", "-x509", *curve, "-keyout", stem + ".key", "-out", stem + ".pem", "-days",
                "30", "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature")
    openssl("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(folder, "server.ext"), "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                     "basicConstraints=critical,CA:FALSE\nauthorityKeyIdentifier=keyid\n"
                     "subjectKeyIdentifier=hash\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "30", "-extfile", "server.ext")

    def read(stem):
        with open(os.path.join(folder, stem + ".pem")) as handle:
            return handle.read()

    return _write(folder, read("ca"), read("other"), read("server"),
                  os.path.join(folder, "server.key"))


def _write(folder, ca_pem, other_pem, server_pem, key_file):
    paths = {}
    for stem, text in (("ca", ca_pem), ("other", other_pem), ("server", server_pem)):
        paths[stem] = os.path.join(folder, stem + ".pem")
        with open(paths[stem], "w") as handle:
            handle.write(text)
    return {"ca": ca_pem, "other": other_pem, "ca_file": paths["ca"],
            "server_file": paths["server"], "key_file": key_file}


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def https(sim, certificates):
    front = TlsFront(certificates["server_file"], certificates["key_file"], sim.port)
    yield front
    front.close()


@pytest.mark.parametrize("pem", ["none", "another CA"])
def test_an_untrusted_certificate_fails_once_pointing_to_the_pem_parameter(step, sim, suite, https,
                                                                        certificates, pem):
    params = {"Web.ServerUrl": https.url}
    if pem == "another CA":
        params["Tls.TrustedCertificate"] = certificates["other"]
    run = step("Web API", "Staging", **params)
    assert run.exit_code != 0 and run.stderr == ""
    assert '"Trusted CA certificate (PEM)"' in run.result_message
    assert "TLS certificate could not be verified" in run.result_message
    assert https.accepted == 1, "a certificate failure is not retried"
    assert sim.requests == []
    assert_no_deployment(sim, suite)


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_the_trusted_pem_parameter_makes_the_private_ca_work(step, sim, suite, https, certificates,
                                                             line_ending):
    pem = certificates["ca"].replace("\n", line_ending)
    run = step("Web API", "Staging", **{"Web.ServerUrl": https.url, "Tls.TrustedCertificate": pem})
    assert run.exit_code == 0, run.result_message
    assert run.outputs["ChildOutcome"] == "Deployed"
    assert run.outputs["ChildDeploymentUrl"].startswith(https.url + "/app#/")
    assert len(created_deployments(sim, suite, "Web API", "Staging")) == 1
    assert https.accepted >= 1 and sim.requests


def test_requests_ca_bundle_of_the_worker_is_honoured(step, sim, suite, https, certificates):
    run = step("Web API", "Staging", **{"Web.ServerUrl": https.url},
               extra_env={"REQUESTS_CA_BUNDLE": certificates["ca_file"]})
    assert run.exit_code == 0, run.result_message
    assert len(created_deployments(sim, suite, "Web API", "Staging")) == 1


def test_the_pem_is_added_to_the_worker_bundle_not_put_in_its_place(step, sim, suite, https,
                                                                    certificates):
    """REQUESTS_CA_BUNDLE trusts the private CA; an unrelated PEM must not undo that."""
    run = step("Web API", "Staging", **{"Web.ServerUrl": https.url,
                                        "Tls.TrustedCertificate": certificates["other"]},
               extra_env={"REQUESTS_CA_BUNDLE": certificates["ca_file"]})
    assert run.exit_code == 0, run.result_message
    assert len(created_deployments(sim, suite, "Web API", "Staging")) == 1
