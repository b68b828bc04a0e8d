"""The PHQ-9 self-check in the widget, keyboard only, in a real browser (Chromium + Playwright).

Tab to the launcher, Enter; Shift+Tab back from the message field to a quick
reply, Enter; free text typed. Screenshots of the result and of question 9's
crisis path go to artifacts/screenshots/ (phq9-*.png).
"""
from __future__ import annotations

from tests.browser.test_widget import (TIMEOUT, US_CALL, active_class, bot_count, expect, shadow,
                                       snap, wait_bots, wait_idle)
from tests.helpers import ROOT, load_yaml

PHQ9 = load_yaml(ROOT / "data" / "responses" / "phq9.yml")["responses"]


def focused_text(page) -> str:
    return shadow(page, "const a = root.activeElement; return a ? a.textContent.trim() : '';")


def open_with_keyboard(page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".launcher")).to_be_visible()
    for _ in range(40):
        page.keyboard.press("Tab")
        if "launcher" in active_class(page):
            break
    assert "launcher" in active_class(page)
    page.keyboard.press("Enter")
    wait_bots(page, 1)
    wait_idle(page)
    assert active_class(page) == "tms-input"


def press_reply(page, title: str) -> None:
    """From the message field, Shift+Tab back to the quick reply `title` and press Enter."""
    assert active_class(page) == "tms-input", "focus is back in the message field"
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        if focused_text(page) == title and "chip" in active_class(page):
            break
    assert focused_text(page) == title, f"quick reply {title!r} reachable with Shift+Tab"
    bots = bot_count(page)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.user .bubble").last).to_have_text(title)
    wait_bots(page, bots + 1)
    wait_idle(page)


def type_answer(page, text: str) -> None:
    bots = bot_count(page)
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_bots(page, bots + 1)
    wait_idle(page)


def question(n: int) -> str:
    return PHQ9[f"utter_ask_phq9_q{n}"][0]["text"][:40]


def last_bot(page):
    return page.locator(".msg.bot").last


def start_self_check(page, url: str) -> None:
    open_with_keyboard(page, url)
    press_reply(page, "Check my symptoms (PHQ-9)")
    expect(page.locator(".msg.bot", has_text="It takes about two minutes")).to_be_visible()
    expect(last_bot(page)).to_contain_text(question(1))


def test_whole_self_check_with_the_keyboard_only(chat_servers, new_context, screenshot_dir):
    page = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    start_self_check(page, chat_servers.page_url)
    answers = ["More than half the days", "Several days", "most days", "Nearly every day",
               "Several days", "Several days", "Not at all", "More than half the days", "Not at all"]
    for n, answer in enumerate(answers, start=1):
        if answer == "most days":
            type_answer(page, answer)  # free text
        else:
            press_reply(page, answer)
        following = question(n + 1) if n < 9 else "One last question, not part of the score"
        expect(last_bot(page)).to_contain_text(following)
    press_reply(page, "Somewhat difficult")
    # 2 + 1 + 2 + 3 + 1 + 1 + 0 + 2 + 0 = 12: moderate
    result = page.locator(".msg.bot", has_text="Your PHQ-9 score is 12 out of 27")
    expect(result).to_be_visible(timeout=TIMEOUT)
    expect(result).to_contain_text("moderate range (10 to 14)")
    expect(result).to_contain_text("This is a screening score, not a diagnosis.")
    expect(page.locator(".msg.bot", has_text="somewhat difficult")).to_be_visible()
    expect(page.locator(".chip", has_text="Send my result to the clinic")).to_be_visible()
    assert page.locator(".msg.crisis").count() == 0
    result.scroll_into_view_if_needed()
    snap(page, screenshot_dir, "phq9-result.png")
    page.locator(".msg.bot", has_text="Next steps").scroll_into_view_if_needed()
    snap(page, screenshot_dir, "phq9-result-next-steps.png")
    # and on to the clinic, still by keyboard: the consent question names what is sent
    press_reply(page, "Send my result to the clinic")
    type_answer(page, "Sam")
    type_answer(page, "call me after 5 on my cell 555 0134")
    expect(last_bot(page)).to_contain_text("your 9 PHQ-9 answers and your score (12 out of 27)")
    snap(page, screenshot_dir, "phq9-send-consent.png")
    press_reply(page, "No, don't send")
    expect(last_bot(page)).to_contain_text("I haven't sent anything")


def test_question_9_goes_into_the_crisis_path(chat_servers, new_context, screenshot_dir):
    page = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    start_self_check(page, chat_servers.page_url)
    for n in range(1, 9):
        press_reply(page, "Several days")
    expect(last_bot(page)).to_contain_text(question(9))
    press_reply(page, "More than half the days")
    card = page.locator(".msg.crisis-alert[role='alert']")
    expect(card).to_be_visible(timeout=TIMEOUT)
    expect(card).to_contain_text("Are you safe right now?")
    expect(card.locator(f"a[href='{US_CALL}']")).to_be_visible()
    assert page.locator(".msg.bot", has_text="score").count() == 0, "no score after question 9"
    card.scroll_into_view_if_needed()
    snap(page, screenshot_dir, "phq9-q9-crisis.png")
