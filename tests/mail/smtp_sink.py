"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1:PORT. Each mail it accepts is
appended to OUT as one JSON line {"to", "from", "subject", "text"} (the plain-text body,
decoded). A recipient whose address starts with "refuse" is refused for good (550), as a
mail server refuses an unknown mailbox. Prints "ready" once listening; runs until its
standard input closes (the test that started it has ended).

With LOGIN (user:password) it offers AUTH (PLAIN, LOGIN) without TLS, as on the loopback,
and accepts that user and password only (535 for any other); mail without a login is
still taken.

Usage: python smtp_sink.py PORT OUT [LOGIN]
"""
import email
import email.policy
import json
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refuse"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "to": ", ".join(envelope.rcpt_tos),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "text": body.get_content() if body is not None else "",
        }
        with open(self.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def only(login):
    user, password = login.encode().split(b":", 1)

    def authenticate(server, session, envelope, mechanism, auth_data):
        given = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password)
        return AuthResult(success=given == (user, password), handled=False)

    return authenticate


def main():
    # aiosmtpd itself sets Session.login_data, which it deprecates, after each login.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    port, out = int(sys.argv[1]), sys.argv[2]
    login = {}
    if len(sys.argv) > 3:
        login = {"authenticator": only(sys.argv[3]), "auth_require_tls": False}
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, **login)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
