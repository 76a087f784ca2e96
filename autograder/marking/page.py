"""The `autograder mark LAB` page: one written question at a time, across the whole class (tornado + Jinja2).

Bound to 127.0.0.1 on a free port, with a random token as Jupyter's own servers do: the URL
printed at start carries it; the first visit stores it in an HTTP-only, same-site cookie (named
after the port, so that two graders' pages on one machine do not mix); the page sends it back
in an ``Authorization: token …`` header with every save, which no other site can forge.

Every request reads the gradebook afresh (formgrader or another `mark` page may have written
meanwhile) and every score or comment is saved the moment it is entered, through
answers.save_marks — a closed tab or a crash loses nothing already entered.
"""
from __future__ import annotations

import json
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tornado import httpserver, ioloop, netutil, web

from .answers import UNSET, ClassAnswers, MarkError, save_marks
from .render import markdown

HERE = Path(__file__).parent


@dataclass
class Settings:
    marking: ClassAnswers
    token: str
    grader: str | None
    port: int = 0

    @property
    def cookie(self) -> str:
        return f"autograder-mark-{self.port}"


def templates():  # noqa: ANN201 — a jinja2.Environment
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["markdown"] = markdown
    env.filters["points"] = lambda v: "" if v is None else f"{v:g}"
    return env


class Authenticated(web.RequestHandler):
    """The token: once in the URL (then a cookie), or in the Authorization header."""

    @property
    def mark(self) -> Settings:
        return self.settings["mark"]

    def prepare(self) -> None:
        token = self.mark.token
        given = self.get_query_argument("token", None)
        if given is not None and secrets.compare_digest(given, token):
            self.set_cookie(self.mark.cookie, token, httponly=True, samesite="Strict")
            if self.request.method == "GET":  # the token leaves the address bar (and the history)
                self.redirect(self.request.path)
            return
        header = self.request.headers.get("Authorization", "")
        cookie = self.get_cookie(self.mark.cookie) or ""
        if secrets.compare_digest(header, f"token {token}") or (
                self.request.method == "GET" and secrets.compare_digest(cookie, token)):
            return
        raise web.HTTPError(403, "open the address `autograder mark` printed (it carries the token)")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        message = error.log_message if isinstance(error, web.HTTPError) and error.log_message else self._reason
        if self.request.path.startswith("/api/"):
            self.finish({"error": message})
        else:
            self.finish(f"<!DOCTYPE html><title>{status_code}</title><p>{status_code}: "
                        f"{web.escape.xhtml_escape(message)}</p>")


class Home(Authenticated):
    def get(self) -> None:
        self.redirect("/question/1")


class QuestionPage(Authenticated):
    def get(self, number: str) -> None:
        marking = self.mark.marking
        try:
            question = marking.question(int(number))
        except MarkError as error:
            raise web.HTTPError(404, str(error)) from None
        submissions = marking.submissions()
        overview = [(q, marking.answers(q, submissions).progress) for q in marking.questions]
        answers = marking.answers(question, submissions)
        page = self.settings["templates"].get_template("mark.html").render(
            lab=marking.lab, question=question, number=int(number), answers=answers, overview=overview,
            token=self.mark.token, anonymous=not marking.names,
            done=sum(d for _, (d, _) in overview), todo=sum(t for _, (_, t) in overview))
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


class Marks(Authenticated):
    """POST {notebook, question, submissions: [labels], score?, comment?, seen?} -> what was saved, progress."""

    def post(self) -> None:
        marking = self.mark.marking
        try:
            data = json.loads(self.request.body or b"{}")
            question = marking.find(data["notebook"], data["question"])
            submissions = marking.submissions()
            students = [marking.student_of(label, submissions) for label in data["submissions"]]
            saved = save_marks(marking.root, marking.lab, question.notebook, question.grade_id, students,
                               score=data.get("score", UNSET), comment=data.get("comment", UNSET),
                               grader=self.mark.grader, seen=data.get("seen"), db_url=marking.db_url)
        except (MarkError, KeyError, TypeError, ValueError) as error:
            self.set_status(400)
            message = str(error) if isinstance(error, MarkError) else f"bad request: {type(error).__name__}: {error}"
            self.finish({"error": message})
            return
        overview = [progress for _, progress in marking.overview()]
        index = marking.questions.index(question)
        self.finish({"saved": [{"submission": marking.label(m.student), "score": m.score, "comment": m.comment,
                                "overwrote": m.overwrote} for m in saved],
                     "progress": overview[index], "overall": [sum(d for d, _ in overview),
                                                              sum(t for _, t in overview)]})


def application(settings: Settings) -> web.Application:
    return web.Application(
        [(r"/", Home), (r"/question/(\d+)", QuestionPage), (r"/api/marks", Marks),
         (r"/static/(.*)", web.StaticFileHandler, {"path": str(HERE / "static")})],
        mark=settings, templates=templates(), compress_response=True)


def listen(settings: Settings, port: int = 0) -> tuple[httpserver.HTTPServer, str]:
    """Start serving on 127.0.0.1 (``port`` 0: a free one); returns the server and the URL with its token."""
    sockets = netutil.bind_sockets(port, "127.0.0.1", family=socket.AF_INET)
    settings.port = sockets[0].getsockname()[1]
    server = httpserver.HTTPServer(application(settings))
    server.add_sockets(sockets)
    return server, f"http://127.0.0.1:{settings.port}/?token={settings.token}"


def serve(marking: ClassAnswers, port: int = 0, grader: str | None = None, open_browser: bool = False) -> None:
    """Serve until Ctrl-C."""
    settings = Settings(marking, secrets.token_hex(24), grader)
    server, url = listen(settings, port)
    done, total = (sum(x) for x in zip(*(p for _, p in marking.overview())))
    print(f"autograder mark {marking.lab}: {len(marking.questions)} written questions, "
          f"{done} / {total} answers graded", flush=True)
    print(f"open {url}", flush=True)
    print("(Ctrl-C stops the page; every score is already saved in the gradebook)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        ioloop.IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
