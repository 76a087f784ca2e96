// autograder mark: save each score and comment as soon as it is entered; keyboard navigation.
"use strict";
const page = document.body.dataset;
const groups = Array.from(document.querySelectorAll(".group"));
let selected = -1;

function select(index, focus) {
  if (!groups.length) return;
  selected = Math.max(0, Math.min(groups.length - 1, index));
  groups.forEach((g, i) => g.classList.toggle("selected", i === selected));
  const group = groups[selected];
  group.scrollIntoView({block: "nearest"});
  (focus ? group.querySelector(focus) : group).focus({preventScroll: true});
}

function nextUngraded(from) {
  for (let i = from + 1; i < groups.length; i++) if (!groups[i].classList.contains("graded")) return i;
  return Math.min(from + 1, groups.length - 1);
}

function status(group, text, kind) {
  const span = group.querySelector(".status");
  span.textContent = text;
  span.className = "status" + (kind ? " " + kind : "");
}

async function save(group, fields) {
  const body = {notebook: page.notebook, question: page.question,
                submissions: JSON.parse(group.dataset.submissions),
                seen: {score: group.dataset.score, comment: group.dataset.comment}, ...fields};
  status(group, "saving…");
  let reply;
  try {
    const response = await fetch("/api/marks", {method: "POST", body: JSON.stringify(body),
      headers: {"Authorization": "token " + page.token, "Content-Type": "application/json"}});
    reply = await response.json();
    if (!response.ok) throw new Error(reply.error || response.statusText);
  } catch (error) {
    status(group, "not saved: " + error.message, "error");
    if ("score" in fields) group.querySelector(".score").classList.add("invalid");
    return false;
  }
  const mark = reply.saved[0];
  group.dataset.score = mark.score === null ? "" : String(mark.score);
  group.dataset.comment = mark.comment || "";
  group.querySelector(".score").classList.remove("invalid");
  group.classList.toggle("graded", reply.saved.every(m => m.score !== null) || group.classList.contains("no-response"));
  const overwrote = reply.saved.filter(m => m.overwrote).map(m => m.submission + " (" + m.overwrote + ")");
  status(group, overwrote.length ? "saved; replaced another grader's " + overwrote.join(", ") : "saved ✓", "saved");
  document.getElementById("progress").textContent = reply.progress.join(" / ");
  document.getElementById("overall").textContent = reply.overall.join(" / ");
  return true;
}

function saveScore(group) {
  const input = group.querySelector(".score");
  if (input.value === (group.dataset.score || "") ) return Promise.resolve(true);
  const value = input.value === "" ? null : Number(input.value);
  return save(group, {score: value});
}

const timers = new WeakMap();
function later(element, action, ms) {
  clearTimeout(timers.get(element));
  timers.set(element, setTimeout(action, ms));
}

groups.forEach((group, index) => {
  const score = group.querySelector(".score");
  const comment = group.querySelector(".comment");
  group.addEventListener("focusin", () => { selected = index; groups.forEach((g, i) => g.classList.toggle("selected", i === index)); });
  score.addEventListener("input", () => later(score, () => saveScore(group), 700));
  score.addEventListener("change", () => { clearTimeout(timers.get(score)); saveScore(group); });
  comment.addEventListener("input", () => later(comment, () => save(group, {comment: comment.value}), 900));
  comment.addEventListener("change", () => {
    clearTimeout(timers.get(comment));
    if (comment.value !== (group.dataset.comment || "")) save(group, {comment: comment.value});
  });
  score.addEventListener("keydown", async event => {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timers.get(score));
      if (await saveScore(group)) select(nextUngraded(index), ".score");
    }
  });
});

document.addEventListener("keydown", async event => {
  const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (event.key === "Escape" && typing) { document.activeElement.blur(); select(selected); return; }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const go = number => { window.location.href = "/question/" + number; };
  if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
  else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); select(selected - 1); }
  else if (event.key === "s" && selected >= 0) { event.preventDefault(); select(selected, ".score"); }
  else if (event.key === "c" && selected >= 0) { event.preventDefault(); select(selected, ".comment"); }
  else if (event.key === "n" && +page.number < +page.count) go(+page.number + 1);
  else if (event.key === "p" && +page.number > 1) go(+page.number - 1);
  else if (/^[0-9]$/.test(event.key) && selected >= 0) {
    event.preventDefault();
    const group = groups[selected];
    group.querySelector(".score").value = event.key;
    if (await saveScore(group)) select(nextUngraded(selected));
  }
});

select(Math.max(0, groups.findIndex(g => !g.classList.contains("graded"))));
