"""A WatchEvents stream as a Python iterator."""

import grpc

from goprod.errors import from_rpc_error


class EventStream:
    """Iterates over goprod's events (goprod.v1.goprod_pb2.Event).

    Iteration ends without an error when the stream's window (`seconds`) is
    over or after cancel() (also on leaving a `with` block); any other end of
    the stream raises GoprodError. The stream is already subscribed when
    Client.events() returns it, so no event that happens after that is missed.
    """

    def __init__(self, call, address, seconds):
        self._call = call
        self._address = address
        self._seconds = seconds
        self._cancelled = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._call)
        except grpc.RpcError as error:
            if self._ended_as_asked(error.code()):
                raise StopIteration from None
            raise from_rpc_error("WatchEvents", error, self._address, self._seconds) from error

    def _ended_as_asked(self, code):
        return ((code == grpc.StatusCode.DEADLINE_EXCEEDED and self._seconds is not None)
                or (code == grpc.StatusCode.CANCELLED and self._cancelled))

    def wait_subscribed(self):
        """Waits until goprod has the subscription in place (it sends the stream's
        headers then); raises GoprodError if the stream failed instead."""
        self._call.initial_metadata()
        if self._call.done():
            code = self._call.code()
            if code != grpc.StatusCode.OK and not self._ended_as_asked(code):
                raise from_rpc_error("WatchEvents", self._call, self._address, self._seconds)

    def cancel(self):
        """Ends the stream; an iteration in progress stops."""
        self._cancelled = True
        self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()
