"""The browser app in a real Chromium (headless), driven by Selenium against a live portal.

Run by Tests/PortalTests/BrowserAppTests.swift, which starts the portal and a fresh database
and passes the accounts. Each step asserts what a person would see; a screenshot of each
screen goes to the given directory. Exits non-zero (with the step that failed) on failure.
"""
import argparse
import os
import sys
import tempfile
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--base", required=True)
parser.add_argument("--admin", required=True)
parser.add_argument("--member", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--organisation", default="", help="the admin's tenant alias, typed as the organisation")
parser.add_argument("--screenshots", required=True)
args = parser.parse_args()
os.makedirs(args.screenshots, exist_ok=True)


def browser(width=1280, height=800):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=es"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "es"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, seconds=20):
    """Until `condition` holds; screens re-render after each change, so elements found a moment
    ago may be gone: those lookups are simply tried again."""
    try:
        return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(condition)
    except TimeoutException:
        logs = "\n".join(entry["message"] for entry in driver.get_log("browser"))
        raise AssertionError(f"{what} (page: {driver.current_url})\nbrowser console:\n{logs}") from None


def click(driver, by, value, what):
    """Clicks the element once it is clickable, finding it again if the screen re-rendered."""
    for _ in range(5):
        try:
            wait(driver, EC.element_to_be_clickable((by, value)), what).click()
            return
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"{what}: the element kept being replaced")


def text_present(driver, selector, text, what):
    return wait(driver, EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text), what)


def choose(driver, select_id, text):
    """Picks the option of the select whose text contains `text` (options may sit in groups)."""
    click(driver, By.XPATH, f"//select[@id='{select_id}']//option[contains(., '{text}')]", f"the option '{text}' of {select_id}")


def typed(driver, element_id, text):
    field = wait(driver, EC.visibility_of_element_located((By.ID, element_id)), f"the field {element_id} shows")
    field.clear()
    field.send_keys(text)


def error_shown(driver, element_id, what):
    wait(driver, lambda d: d.find_element(By.ID, element_id).text.strip() != "", what)


def no_sideways_scroll(driver, where):
    overflow = driver.execute_script("""
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5);
    """)
    assert not overflow, f"no sideways scrolling on {where}: {overflow}"


def shot(driver, name):
    driver.save_screenshot(os.path.join(args.screenshots, f"{name}.png"))


def sign_in(driver, username, password, organisation=None):
    """Types the credentials; `organisation` None leaves that field as the page filled it."""
    driver.get(args.base + "/")
    wait(driver, EC.visibility_of_element_located((By.ID, "username")), "the sign-in form shows")
    if organisation is not None:
        driver.find_element(By.ID, "organisation").clear()
        driver.find_element(By.ID, "organisation").send_keys(organisation)
    driver.find_element(By.ID, "username").clear()
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


def accessible_names_everywhere(driver, where):
    """Every button, input and select has an accessible name (label, aria-label or text)."""
    missing = driver.execute_script("""
        return [...document.querySelectorAll('button, input, select')].filter(e => {
            if (e.type === 'hidden') return false;
            const label = e.id && document.querySelector(`label[for="${e.id}"]`);
            return !(e.getAttribute('aria-label') || (label && label.textContent.trim()) || e.textContent.trim());
        }).map(e => e.outerHTML.slice(0, 80));
    """)
    assert not missing, f"controls without a name on {where}: {missing}"


steps = []


def step(name):
    def register(function):
        steps.append((name, function))
        return function
    return register


driver = browser()


@step("a wrong password is refused with a clear message")
def bad_sign_in():
    sign_in(driver, args.admin, "not-the-password", args.organisation)
    text_present(driver, "#signin-error", "no son correctos", "the bad-credentials message shows in Spanish")
    assert driver.find_element(By.ID, "password").get_attribute("value") == "", "the password field is emptied"
    shot(driver, "sign-in")


@step("the admin signs in and lands on users")
def good_sign_in():
    sign_in(driver, args.admin, args.password, args.organisation)
    text_present(driver, "#signed-in-as", "Sesión iniciada como", "the header says who is signed in")
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "table caption")), "the users table shows")
    assert driver.current_url.endswith("/users"), driver.current_url
    headers = driver.execute_script("return document.querySelector('meta[name=viewport]') !== null")
    assert headers
    accessible_names_everywhere(driver, "users")
    shot(driver, "users")


@step("the language changes to English and is kept on the user")
def change_language():
    click(driver, By.CSS_SELECTOR, "#language option[value=en]", "#language option[value=en]")
    text_present(driver, "#signed-in-as", "Signed in as", "the header is in English")
    text_present(driver, "nav.menu", "Users", "the menu is in English")
    driver.refresh()
    text_present(driver, "#signed-in-as", "Signed in as", "English survives a reload (saved on the user)")


@step("a user is created, with field errors shown next to the field first")
def create_user():
    click(driver, By.ID, "new-user", "new-user")
    wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog #f-firstName")), "the new-user form opens")
    driver.find_element(By.ID, "f-firstName").send_keys("Lucía")
    driver.find_element(By.ID, "f-lastName").send_keys("Martín")
    driver.find_element(By.ID, "f-username").send_keys("lucia.martin")
    driver.find_element(By.ID, "f-password").send_keys("correct horse battery")
    driver.find_element(By.ID, "f-passwordConfirmation").send_keys("something else entirely")
    accessible_names_everywhere(driver, "the new-user form")
    shot(driver, "user-form")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    wait(driver, lambda d: d.find_element(By.ID, "e-passwordConfirmation").text.strip() != "", "the confirmation error shows next to its field")
    confirmation = driver.find_element(By.ID, "f-passwordConfirmation")
    confirmation.clear()
    confirmation.send_keys("correct horse battery")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "#status", "Lucía Martín", "the saved message names the user")
    text_present(driver, "table", "lucia.martin", "the new user is listed")


@step("search narrows the list and show all brings everyone back")
def search_users():
    box = driver.find_element(By.ID, "user-search")
    box.send_keys("lucia")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1, "one user matches")
    click(driver, By.XPATH, "//button[normalize-space()='Show all']", "//button[normalize-space()='Show all']")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 3, "everyone is listed again")


@step("every field of a user is edited, with their storage shown")
def edit_user():
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit Lucía Martín']", "edit Lucía")
    wait(driver, EC.visibility_of_element_located((By.ID, "storage-meter")), "the storage use shows")
    typed(driver, "f-city", "Sevilla")
    typed(driver, "f-country", "España")
    click(driver, By.CSS_SELECTOR, "#f-phoneLanguage option[value=ca]", "Catalan prompts")
    click(driver, By.CSS_SELECTOR, "#f-timezone option[value='Atlantic/Canary']", "the Canary Islands time zone")
    shot(driver, "user-edit")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "#status", "Lucía Martín", "the user is saved")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit Lucía Martín']", "edit Lucía again")
    city = wait(driver, EC.visibility_of_element_located((By.ID, "f-city")), "the form opens again")
    assert city.get_attribute("value") == "Sevilla", city.get_attribute("value")
    assert driver.find_element(By.ID, "f-phoneLanguage").get_attribute("value") == "ca"
    assert driver.find_element(By.ID, "f-timezone").get_attribute("value") == "Atlantic/Canary"
    click(driver, By.XPATH, "//dialog//button[normalize-space()='Cancel']", "cancel")


@step("deleting asks first, and cancel keeps the user")
def delete_user():
    click(driver, By.CSS_SELECTOR, "button[aria-label='Delete Lucía Martín']", "button[aria-label='Delete Lucía Martín']")
    wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog")), "a confirmation appears")
    shot(driver, "confirm-delete")
    click(driver, By.XPATH, "//dialog//button[normalize-space()='Cancel']", "//dialog//button[normalize-space()='Cancel']")
    text_present(driver, "table", "lucia.martin", "cancel keeps the user")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Delete Lucía Martín']", "button[aria-label='Delete Lucía Martín']")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "#status", "was deleted", "the user is gone")
    assert "lucia.martin" not in driver.find_element(By.CSS_SELECTOR, ".results").text


@step("an extension is created, its SIP password shown once, and its voicemail set")
def extensions():
    click(driver, By.LINK_TEXT, "Extensions", "the Extensions link")
    text_present(driver, "table", "1001", "the existing extension is listed")
    click(driver, By.ID, "new-extension", "new-extension")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-number")), "the new-extension form opens")
    driver.find_element(By.ID, "f-number").send_keys("1002")
    driver.find_element(By.ID, "f-name").send_keys("Almacén")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    password = wait(driver, EC.visibility_of_element_located((By.ID, "sip-password")), "the SIP password is shown once").text
    assert len(password) >= 16, password
    shot(driver, "sip-password")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "table", "Almacén", "the new extension is listed")
    typed(driver, "extension-search", "almac")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".results tbody tr")) == 1, "the search narrows the list to 1002")
    driver.find_element(By.ID, "extension-search").clear()
    driver.find_element(By.ID, "extension-search").send_keys(" ")
    assert password not in driver.page_source, "the password is not shown again"
    click(driver, By.CSS_SELECTOR, "button[aria-label='Voicemail 1002']", "button[aria-label='Voicemail 1002']")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-enabled")), "the voicemail form opens")
    click(driver, By.ID, "f-enabled", "f-enabled")
    driver.find_element(By.ID, "f-pin").send_keys("12ab")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    wait(driver, lambda d: d.find_element(By.ID, "e-pin").text.strip() != "", "a PIN that is not digits is explained next to it")
    pin = driver.find_element(By.ID, "f-pin")
    pin.clear()
    pin.send_keys("4321")
    choose(driver, "f-exitToExtension", "1001")
    shot(driver, "voicemail")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "#status", "voicemail of 1002", "the voicemail is saved")
    no_sideways_scroll(driver, "the extensions screen at 1280×800")
    shot(driver, "extensions")


@step("rules are added, switched off, reordered and deleted")
def rules():
    click(driver, By.LINK_TEXT, "Extensions", "the Extensions link")
    wait(driver, EC.element_to_be_clickable((By.CSS_SELECTOR, "button[aria-label='Rules 1001']")), "the rules button shows").click()
    for kind, extra in (("hangup", None), ("busy", "voicemail")):
        wait(driver, EC.element_to_be_clickable((By.ID, "new-rule")), "the new-rule button shows").click()
        wait(driver, EC.visibility_of_element_located((By.ID, "f-kind")), "the rule form opens")
        click(driver, By.CSS_SELECTOR, f"#f-kind option[value={kind}]", f"#f-kind option[value={kind}]")
        if kind == "hangup":
            click(driver, By.CSS_SELECTOR, "#f-callerMatch option[value=equals]", "#f-callerMatch option[value=equals]")
            driver.find_element(By.ID, "f-callerId.number").send_keys("+34600000666")
        click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) == (1 if kind == "hangup" else 2), f"the {kind} rule is listed")
    shot(driver, "rules")
    first = lambda d: d.find_elements(By.CSS_SELECTOR, "tbody tr")[0].text
    wait(driver, lambda d: "Hang up" in first(d), "the hang-up rule is first")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Move down rule 1']", "the move-down button")
    wait(driver, lambda d: "When busy" in first(d), "the busy rule moves first")
    click(driver, By.CSS_SELECTOR, "input[aria-label='On 1']", "the on/off switch")
    text_present(driver, "#status", "Rule 1 is off", "the rule is switched off")
    wait(driver, lambda d: not d.find_element(By.CSS_SELECTOR, "input[aria-label='On 1']").is_selected(), "the switch shows off")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Delete 2']", "the delete button")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "the confirmation")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1, "one rule is left")


@step("a cascade rings in two steps, a step starting too late is explained, a transfer keeps its states")
def cascade_and_transfer():
    rows = lambda n: (lambda d: len(d.find_elements(By.CSS_SELECTOR, "tbody tr")) == n)
    click(driver, By.ID, "new-rule", "the new-rule button")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-steps[0].destination")), "a cascade starts with one step")
    click(driver, By.ID, "add-step", "the add-step button")
    choose(driver, "f-steps[1].destination", "external number")
    typed(driver, "f-steps[1].destination.number", "+34600000001")
    typed(driver, "f-steps[1].afterSeconds", "40")
    shot(driver, "rule-cascade")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    error_shown(driver, "e-steps[1].afterSeconds", "a step starting after the total is explained next to it")
    typed(driver, "f-steps[1].afterSeconds", "10")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    wait(driver, rows(2), "the cascade is listed")
    text_present(driver, "table", "+10 s +34600000001", "both steps are described")
    click(driver, By.ID, "new-rule", "the new-rule button")
    click(driver, By.CSS_SELECTOR, "#f-kind option[value=transfer]", "the transfer kind")
    click(driver, By.CSS_SELECTOR, "#f-extensionState option[value=unregistered]", "not registered")
    click(driver, By.CSS_SELECTOR, "#f-callState option[value=noAnswer]", "not answered")
    choose(driver, "f-destination", "voicemail of 1002")
    assert not driver.find_element(By.ID, "f-steps[0].destination").is_displayed(), "cascade fields hide for a transfer"
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    wait(driver, rows(3), "the transfer is listed")
    text_present(driver, "table", "Not registered", "its states are described")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit 3']", "edit the transfer")
    state = wait(driver, EC.visibility_of_element_located((By.ID, "f-extensionState")), "the rule form opens")
    assert state.get_attribute("value") == "unregistered", state.get_attribute("value")
    assert driver.find_element(By.ID, "f-callState").get_attribute("value") == "noAnswer"
    assert driver.find_element(By.ID, "f-destination").get_attribute("value").startswith("voicemail:")
    click(driver, By.XPATH, "//dialog//button[normalize-space()='Cancel']", "cancel")
    shot(driver, "rules-more")


@step("the queues screen lists what exists")
def lists():
    click(driver, By.LINK_TEXT, "Queues", "the Queues link")
    text_present(driver, "table", "Support", "the queue is listed")
    shot(driver, "queues")


@step("a queue is created and an agent added and logged in, in this queue only")
def queue_and_agent():
    click(driver, By.LINK_TEXT, "Queues", "the Queues link")
    wait(driver, EC.element_to_be_clickable((By.ID, "new-queue")), "the new-queue button shows").click()
    wait(driver, EC.visibility_of_element_located((By.ID, "f-name")), "the queue form opens")
    driver.find_element(By.ID, "f-name").send_keys("Sales")
    driver.find_element(By.ID, "f-number").send_keys("20")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    wait(driver, lambda d: d.find_element(By.ID, "e-number").text.strip() != "", "a bad number is explained next to the field")
    number = driver.find_element(By.ID, "f-number")
    number.clear()
    number.send_keys("2001")
    click(driver, By.CSS_SELECTOR, "#f-strategy option[value=leastRecent]", "#f-strategy option[value=leastRecent]")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "table", "Sales", "the new queue is listed")
    click(driver, By.LINK_TEXT, "Sales", "the Sales link")
    wait(driver, EC.element_to_be_clickable((By.ID, "add-agent")), "the agents screen shows").click()
    wait(driver, EC.visibility_of_element_located((By.ID, "f-extensionId")), "the add-agent form opens")
    box = driver.find_element(By.CSS_SELECTOR, "dialog input.filter")
    box.send_keys("Recep")
    wait(driver, lambda d: d.find_element(By.ID, "f-extensionId").get_attribute("value") != "" and
         "1001" in d.execute_script("const s = document.getElementById('f-extensionId'); return s.selectedOptions[0].textContent"),
         "the filter narrows the extensions and picks 1001")
    click(driver, By.ID, "f-supervisor", "f-supervisor")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "table", "Logged out", "the agent is listed, logged out")
    text_present(driver, "table", "Supervisor", "with the supervisor privilege")
    click(driver, By.XPATH, "//button[starts-with(@aria-label, 'Change state')]", "//button[starts-with(@aria-label, 'Change state')]")
    wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog input[name=scope][value=all]")), "this queue / all queues is offered")
    shot(driver, "agent-state")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "#status", "Logged in", "the agent is logged in")
    text_present(driver, "table", "Logged in", "the list shows the new state")
    shot(driver, "agents")


@step("a queue's hold music, announcement and overflow destination are set and kept")
def queue_settings():
    click(driver, By.LINK_TEXT, "Queues", "the Queues link")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit Sales']", "edit the Sales queue")
    typed(driver, "f-maxWaiting", "5")
    choose(driver, "f-announcement.soundId", "system:queue-periodic")
    click(driver, By.ID, "f-overflowDestinationOn", "send overflowing calls elsewhere")
    choose(driver, "f-overflowDestination", "voicemail of 1002")
    shot(driver, "queue-settings")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "#status", "Sales", "the queue is saved")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit Sales']", "edit it again")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-overflowDestination")), "the overflow destination shows, as saved")
    assert driver.find_element(By.ID, "f-overflowDestination").get_attribute("value").startswith("voicemail:")
    assert driver.find_element(By.ID, "f-announcement.soundId").get_attribute("value") == "system:queue-periodic"
    click(driver, By.XPATH, "//dialog//button[normalize-space()='Cancel']", "cancel")


@step("a two-level IVR is built: contexts, options, nested actions, errors shown by the action")
def ivr():
    click(driver, By.LINK_TEXT, "Extensions", "the Extensions link")
    wait(driver, EC.element_to_be_clickable((By.CSS_SELECTOR, "button[aria-label='Contexts 3000']")), "the IVR's contexts button shows").click()
    for name in ("Main", "Sales"):
        wait(driver, EC.element_to_be_clickable((By.ID, "new-context")), "the new-context button shows").click()
        wait(driver, EC.visibility_of_element_located((By.ID, "f-name")), "the context form opens")
        driver.find_element(By.ID, "f-name").send_keys(name)
        click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
        text_present(driver, "table", name, f"{name} is listed")

    def open_option(context, key):
        click(driver, By.LINK_TEXT, context, f"the {context} context")
        click(driver, By.CSS_SELECTOR, f"button[aria-label='Edit actions {key}']", f"the actions of {key}")
        wait(driver, EC.visibility_of_element_located((By.ID, "add-to-actions")), "the action editor opens")

    def add(kind, fill=None, where="actions"):
        click(driver, By.ID, f"add-to-{where}", f"add an action to {where}")
        click(driver, By.CSS_SELECTOR, f"#f-type option[value={kind}]", f"the {kind} action")
        if fill:
            fill()
        click(driver, By.ID, "add-action", "add-action")

    def save():
        click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save the option")
        text_present(driver, "#status", "was saved", "the option is saved")
        click(driver, By.XPATH, "//button[normalize-space()='All contexts']", "back to all contexts")

    open_option("Main", "start")
    add("play", lambda: choose(driver, "f-soundId", "system:welcome"))
    save()
    open_option("Main", "1")
    add("goto", lambda: choose(driver, "f-contextId", "Sales"))
    save()
    open_option("Sales", "1")
    add("transfer", lambda: choose(driver, "f-destination", "1001"))
    save()
    # Key 2 asks a web service: reply 1 hangs up, anything else goes to 1001.
    open_option("Main", "2")
    add("httpNotification", lambda: (typed(driver, "f-url", "ftp://crm.example.com/call"), typed(driver, "f-replies", "1")))
    add("hangup", where="actions[0].branches[0]")
    add("transfer", lambda: choose(driver, "f-destination", "1001"), where="actions[0].default")
    shot(driver, "ivr-actions")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save the option")
    error_shown(driver, "e-actions[0]", "a bad web address is explained by its action")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit 1']", "edit the notification")
    typed(driver, "f-url", "https://crm.example.com/call?n={number}")
    click(driver, By.ID, "add-action", "apply the change")
    assert "Reply 1" in driver.find_element(By.CSS_SELECTOR, "dialog").text, "the branches are kept when the action changes"
    save()
    text_present(driver, "table", "Start: 1, 1: 1, 2: 1", "the main context shows its action counts")
    shot(driver, "ivr")


@step("a call flow is built and a public number routed to it")
def call_flow():
    click(driver, By.LINK_TEXT, "Call flows", "the Call flows link")
    click(driver, By.ID, "new-flow", "new-flow")
    typed(driver, "f-name", "Night")
    click(driver, By.ID, "add-to-actions", "add an action")
    options = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#f-type option")]
    assert "goto" not in options, "a call flow has no contexts to go to"
    click(driver, By.CSS_SELECTOR, "#f-type option[value=lookupName]", "the name lookup")
    typed(driver, "f-url", "https://crm.example.com/name?n={number}")
    click(driver, By.ID, "add-action", "add-action")
    click(driver, By.ID, "add-to-actions", "add another action")
    click(driver, By.CSS_SELECTOR, "#f-type option[value=transfer]", "a transfer")
    choose(driver, "f-destination", "Sales")
    click(driver, By.ID, "add-action", "add-action")
    shot(driver, "call-flow")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save the flow")
    text_present(driver, "#status", "Night", "the flow is saved")
    text_present(driver, "table", "Caller-name lookup", "the flow's actions are described")
    click(driver, By.LINK_TEXT, "Public numbers", "the Public numbers link")
    text_present(driver, "table", "Not routed", "the new number is not routed yet")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Route +34910000123']", "route the number")
    choose(driver, "f-destination", "Night")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "table", "call flow Night", "the number goes to the flow")
    shot(driver, "numbers")
    click(driver, By.LINK_TEXT, "Call flows", "the Call flows link")
    text_present(driver, "table", "+34910000123", "the flow lists its number")


@step("pending changes are tested, with links to each problem, and applied")
def pending():
    click(driver, By.LINK_TEXT, "Users", "the Users link")
    wait(driver, EC.visibility_of_element_located((By.ID, "pending-test")), "the pending-changes banner shows")
    shot(driver, "pending")
    click(driver, By.ID, "pending-test", "pending-test")
    text_present(driver, "#report-summary", "No errors", "the report says the changes can be applied")
    shot(driver, "test-report")
    link = wait(driver, EC.element_to_be_clickable((By.XPATH, "//dialog//li[contains(@class,'finding')]/a[contains(., 'Queue 2000')]")),
                "the queue without agents is listed with a link")
    link.click()
    wait(driver, lambda d: d.current_url.endswith("/queues"), "the link leads to the queues screen")
    wait(driver, EC.element_to_be_clickable((By.ID, "pending-apply")), "the banner is still there").click()
    text_present(driver, "#pending", "being applied", "applying is confirmed")
    driver.refresh()
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "table caption")), "the page reloads")
    assert not driver.find_elements(By.ID, "pending-test"), "nothing is pending after applying"


@step("recording settings are saved, IVRs have their own menu entry, deployments show the history")
def more_screens():
    click(driver, By.LINK_TEXT, "Extensions", "the Extensions link")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Recording 1001']", "the recording button")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-start")), "the recording form opens")
    click(driver, By.ID, "f-enabled", "the recording switch")
    click(driver, By.CSS_SELECTOR, "#f-start option[value=onDemand]", "on demand")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "#status", "recording settings of 1001", "the recording settings are saved")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Devices 1001']", "the devices button")
    text_present(driver, "#no-devices", "No device", "an extension without registrations says so")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "close")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Edit 1002']", "edit extension 1002")
    typed(driver, "f-name", "Almacén central")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "table", "Almacén central", "the new name is listed")
    click(driver, By.LINK_TEXT, "IVR", "the IVR link")
    click(driver, By.ID, "new-ivr", "new IVR")
    typed(driver, "f-number", "3001")
    typed(driver, "f-name", "After hours")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "h1", "3001", "a new IVR opens on its contexts")
    click(driver, By.XPATH, "//button[normalize-space()='Back']", "back to the IVR menus")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Delete 3001']", "delete IVR 3001")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "confirm")
    wait(driver, lambda d: "After hours" not in d.find_element(By.ID, "main").text, "the IVR is gone")
    click(driver, By.LINK_TEXT, "Welcome", "the IVR 3000")
    text_present(driver, "table", "Main", "its contexts show")
    click(driver, By.LINK_TEXT, "Deployments", "the Deployments link")
    wait(driver, EC.element_to_be_clickable((By.XPATH, "//button[starts-with(@aria-label, 'Roll back')]")), "the history lists revisions")
    main_text = driver.find_element(By.ID, "main").text
    assert "null" not in main_text and "undefined" not in main_text, main_text
    shot(driver, "deployments")


@step("an extension group is made of two phones")
def groups():
    click(driver, By.LINK_TEXT, "Extension groups", "the Extension groups link")
    click(driver, By.ID, "new-group", "new group")
    typed(driver, "f-name", "Front desk")
    for number in ("1001", "1002"):
        click(driver, By.XPATH, f"//label[contains(., '{number} ')]/input[@name='member']", f"phone {number}")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "table", "1001, 1002", "the group lists its phones")
    shot(driver, "groups")


@step("an API key is shown once and can be revoked")
def api_keys():
    click(driver, By.LINK_TEXT, "API keys", "the API keys link")
    click(driver, By.ID, "new-api-key", "new API key")
    typed(driver, "f-name", "CRM")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "create")
    secret = wait(driver, EC.visibility_of_element_located((By.ID, "api-key-secret")), "the key is shown once").text
    assert secret.startswith("ck_"), secret
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "close")
    text_present(driver, "table", "CRM", "the key is listed")
    assert secret not in driver.page_source, "the key is not shown again"
    shot(driver, "api-keys")
    click(driver, By.CSS_SELECTOR, "button[aria-label='Revoke CRM']", "revoke")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "confirm")
    text_present(driver, "table", "Revoked", "the key shows as revoked")


@step("the company's caller IDs are set, a bad one explained by the field")
def company():
    click(driver, By.LINK_TEXT, "Company", "the Company link")
    text_present(driver, "dl.plan", "Active", "the plan and service are shown")
    typed(driver, "f-outgoingCallerIds", "+34 910 000 123\nnot a number")
    click(driver, By.ID, "save-company", "save")
    error_shown(driver, "e-outgoingCallerIds", "the bad line is explained")
    typed(driver, "f-outgoingCallerIds", "+34 910 000 123")
    click(driver, By.ID, "save-company", "save")
    text_present(driver, "#status", "company's details were saved", "saved")
    caller_ids = wait(driver, EC.visibility_of_element_located((By.ID, "f-outgoingCallerIds")), "the form is shown again")
    assert caller_ids.get_attribute("value") == "+34910000123", caller_ids.get_attribute("value")
    shot(driver, "company")


@step("time intervals are created, searched and deleted together")
def intervals():
    click(driver, By.LINK_TEXT, "Time intervals", "the Time intervals link")
    for name in ("Office hours", "Lunch"):
        wait(driver, EC.element_to_be_clickable((By.ID, "new-interval")), "the new-interval button shows").click()
        wait(driver, EC.visibility_of_element_located((By.ID, "f-name")), "the interval form opens")
        driver.find_element(By.ID, "f-name").send_keys(name)
        click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
        text_present(driver, "table", name, f"{name} is listed")
    text_present(driver, "table", "Monday – Friday", "the days are shown")
    click(driver, By.CSS_SELECTOR, "a[aria-label='Edit Lunch']", "edit Lunch")
    typed(driver, "f-startTime", "14:00")
    typed(driver, "f-startDay", "40")
    click(driver, By.CSS_SELECTOR, "input[name=month][value='8']", "August")
    shot(driver, "interval-form")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    error_shown(driver, "e-startDay", "a day of the month that does not exist is explained")
    typed(driver, "f-startDay", "1")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "table", "Aug", "the month is shown")
    shot(driver, "intervals")
    for name in ("Office hours", "Lunch"):
        click(driver, By.CSS_SELECTOR, f"input[aria-label='Select {name}']", f"the checkbox of {name}")
    click(driver, By.ID, "delete-intervals", "delete-intervals")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "dialog button[type=submit]")
    text_present(driver, "#status", "were deleted", "both are deleted")
    wait(driver, lambda d: "Lunch" not in d.find_element(By.CSS_SELECTOR, ".results").text, "the list is empty again")


@step("a simulated call shows each step and how it ends")
def simulate():
    click(driver, By.LINK_TEXT, "Call simulator", "the Call simulator link")
    wait(driver, EC.visibility_of_element_located((By.ID, "f-to")), "the simulator form shows")
    to = driver.find_element(By.ID, "f-to")
    to.clear()
    to.send_keys("1001")
    click(driver, By.CSS_SELECTOR, "#f-device-1001 option[value=answers]", "#f-device-1001 option[value=answers]")
    click(driver, By.ID, "simulate", "simulate")
    text_present(driver, "#outcome", "answers", "the outcome says who answers")
    assert driver.find_elements(By.CSS_SELECTOR, "#trace li"), "the steps are listed"
    errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "form .form-error") if e.text.strip()]
    assert not errors, f"no error shows after a good simulation: {errors}"
    wait(driver, lambda d: d.execute_script("return !document.documentElement.hasAttribute('data-busy')"), "nothing is left marked as loading")
    shot(driver, "simulator")


@step("the keyboard reaches the menu and the main actions")
def keyboard():
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = [driver.switch_to.active_element.tag_name]
    for _ in range(8):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused.append(driver.switch_to.active_element.tag_name + ":" + (driver.switch_to.active_element.text or ""))
    assert any(f.startswith("a:") for f in focused), focused
    assert any(f.startswith("button:") for f in focused), focused


@step("sign out returns to the sign-in form")
def sign_out():
    click(driver, By.ID, "sign-out", "sign-out")
    wait(driver, EC.visibility_of_element_located((By.ID, "username")), "the sign-in form is back")
    driver.get(args.base + "/users")
    wait(driver, EC.visibility_of_element_located((By.ID, "username")), "app routes ask to sign in again")
    remembered = driver.find_element(By.ID, "organisation").get_attribute("value")
    assert remembered == args.organisation, f"the organisation is remembered for the next sign-in: {remembered!r}"


@step("a member does not get the users screen")
def member():
    # The member's username is unique on the platform, so it signs in without the organisation.
    sign_in(driver, args.member, args.password, "")
    text_present(driver, "#signed-in-as", "Bruno", "the member is signed in, by name")
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "nav.menu a")), "the member's menu shows")
    menu = driver.find_element(By.CSS_SELECTOR, "nav.menu").text
    assert "Usuarios" not in menu and "Users" not in menu, menu
    driver.get(args.base + "/users")
    wait(driver, lambda d: not d.current_url.endswith("/users"), "the users path is not the member's")
    shot(driver, "member")
    # A member edits the rules of their own extension, routing only to what they may see.
    click(driver, By.CSS_SELECTOR, "button[aria-label='Reglas 1001']", "the rules of their own extension")
    click(driver, By.ID, "new-rule", "a new rule")
    click(driver, By.CSS_SELECTOR, "#f-kind option[value=busy]", "forward when busy")
    choose(driver, "f-destination", "buzón de 1001")
    click(driver, By.CSS_SELECTOR, "dialog button[type=submit]", "save")
    text_present(driver, "table", "buzón de 1001", "the member's rule is listed")
    click(driver, By.LINK_TEXT, "Mi cuenta", "the member's own account")
    wait(driver, EC.visibility_of_element_located((By.ID, "storage-meter")), "their storage shows")
    assert not driver.find_elements(By.ID, "f-role"), "a member does not choose their own role"
    typed(driver, "f-city", "Bilbao")
    click(driver, By.CSS_SELECTOR, "#f-language option[value=en]", "English")
    click(driver, By.ID, "save-account", "save")
    text_present(driver, "#status", "Your details were saved", "saved, and the app follows the new language")
    text_present(driver, "nav.menu", "My account", "the menu is in English now")
    shot(driver, "account")


@step("a phone-sized screen stacks the menu above the content")
def phone():
    small = browser(390, 844)
    try:
        sign_in(small, args.admin, args.password, args.organisation)
        wait(small, EC.presence_of_element_located((By.CSS_SELECTOR, "table caption")), "the users list shows on a phone")
        menu = small.find_element(By.CSS_SELECTOR, "nav.menu").rect
        content = small.find_element(By.CSS_SELECTOR, ".content").rect
        assert menu["y"] + menu["height"] <= content["y"] + 1, (menu, content)
        no_sideways_scroll(small, "the users screen on a phone")
        shot(small, "users-phone")
        for link, where in (("Extensions", "extensions"), ("Call flows", "call flows"), ("Time intervals", "intervals")):
            click(small, By.LINK_TEXT, link, f"the {link} link on a phone")
            wait(small, EC.presence_of_element_located((By.CSS_SELECTOR, "main table caption, main p.empty")), f"the {where} screen shows")
            no_sideways_scroll(small, f"the {where} screen on a phone")
        click(small, By.LINK_TEXT, "Call flows", "the Call flows link on a phone")
        click(small, By.CSS_SELECTOR, "button[aria-label='Edit Night']", "edit the call flow on a phone")
        click(small, By.CSS_SELECTOR, "#add-to-actions", "add an action on a phone")
        click(small, By.CSS_SELECTOR, "#f-type option[value=httpNotification]", "an HTTP notification")
        no_sideways_scroll(small, "the action editor on a phone")
        shot(small, "action-editor-phone")
    finally:
        small.quit()


failed = 0
try:
    for name, function in steps:
        try:
            function()
            print(f"ok   {name}", flush=True)
        except Exception as error:  # report every step, fail at the end
            failed += 1
            where = traceback.extract_tb(error.__traceback__)
            line = next((f"line {frame.lineno}: {frame.line}" for frame in reversed(where) if frame.filename == __file__), "")
            print(f"FAIL {name}: {error} ({line})", flush=True)
            driver.save_screenshot(os.path.join(tempfile.gettempdir(), f"centralita-failure-{function.__name__}.png"))
            if failed >= 3:
                break
finally:
    driver.quit()
print(f"{len(steps)} steps, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
