"""A progress line for long work, in the manner of Keras' ``Progbar``.

On a terminal the line is redrawn in place a few times a second; in a log file
(CI, ``docker logs``) a full line is printed every ``log_interval`` seconds so
the log stays readable.
"""

import sys
import time


def format_duration(seconds):
    """``1:02:03`` / ``2:03`` style duration."""
    seconds = int(round(max(seconds, 0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "%d:%02d:%02d" % (h, m, s) if h else "%d:%02d" % (m, s)


class Progress(object):
    """Shows ``done/total``, a bar, named values, rate and ETA on one line."""

    def __init__(self, total, start=0, unit="steps", stream=None, width=20, log_interval=10.0):
        self.total, self.start, self.unit, self.width = total, start, unit, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = 0.2 if self.tty else log_interval
        self.t0 = time.time()
        self.last_draw = 0.0
        self.last_line_len = 0

    def line(self, done, values):
        """The text of the progress line for ``done`` items and ``values`` (name -> number)."""
        elapsed = time.time() - self.t0
        rate = (done - self.start) / elapsed if elapsed > 0 else 0.0
        frac = done / float(self.total) if self.total else 1.0
        filled = int(self.width * frac)
        bar = "=" * filled + (">" if filled < self.width else "") + "." * max(self.width - filled - 1, 0)
        parts = ["%*d/%d [%s]" % (len(str(self.total)), done, self.total, bar)]
        parts += ["%s %.4g" % (k, v) for k, v in values.items()]
        parts.append("%.1f %s/s" % (rate, self.unit))
        if done < self.total and rate > 0:
            parts.append("ETA %s" % format_duration((self.total - done) / rate))
        else:
            parts.append("%s" % format_duration(elapsed))
        return " - ".join(parts)

    def update(self, done, values=None, force=False):
        """Redraw if enough time passed (always when ``force`` or at the end)."""
        now = time.time()
        if not force and done < self.total and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        text = self.line(done, values or {})
        if self.tty:
            self.stream.write("\r" + text + " " * max(self.last_line_len - len(text), 0))
            self.last_line_len = len(text)
            if done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text):
        """Print a message on its own line without garbling the progress line."""
        if self.tty and self.last_line_len:
            self.stream.write("\n")
            self.last_line_len = 0
        self.stream.write(text + "\n")
        self.stream.flush()
