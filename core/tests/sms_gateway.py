"""A stand-in for an operator's SMS gateway (the edge of the system), for the start-up checks."""

from core.sms import SmsBackend, SmsMessage


class GatewayForTests(SmsBackend):
    sent: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        self.sent.append(message)
