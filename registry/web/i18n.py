"""The web UI's two languages: negotiation (cookie, then Accept-Language) and the message catalog.

Every user-visible string of the pages lives in MESSAGES as (zh, en), so a string cannot exist in one language
only; tests/web/test_i18n.py checks that every key a template or route uses is here. Labels of the domain enums
(network mode, operator, stage, review status) come from the registry's own label table, not from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import Request

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
COOKIE_NAME = "i5g_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "app.name": ("工业5G应用案例库", "Industrial 5G Use-Case Registry"),
    "app.tagline": (
        "5G+工业互联网应用案例登记、审核与运行监测",
        "Register, review and monitor 5G industrial use cases",
    ),
    "nav.catalog": ("案例目录", "Catalog"),
    "nav.my_usecases": ("我的案例", "My use cases"),
    "nav.new_usecase": ("登记案例", "Register a use case"),
    "nav.review": ("审核队列", "Review queue"),
    "nav.accounts": ("企业账号", "Accounts"),
    "nav.password": ("修改密码", "Password"),
    "nav.login": ("登录", "Log in"),
    "nav.signup": ("企业注册", "Sign up"),
    "nav.logout": ("退出", "Log out"),
    "nav.language": ("语言", "Language"),
    "nav.skip": ("跳到正文", "Skip to content"),
    "footer.text": (
        "数据来源于各地公开文件与企业登记；审核通过的案例公开展示。",
        "Data from public municipal documents and enterprise registrations; only approved cases are public.",
    ),
    "role.staff": ("审核员", "Staff"),
    "role.enterprise": ("企业用户", "Enterprise"),
    # catalog
    "catalog.title": ("5G应用案例目录", "5G use-case catalog"),
    "catalog.lead": (
        "已审核通过的工业5G应用案例，可按城市、行业、场景和阶段筛选。",
        "Approved industrial 5G use cases; filter by city, industry, scenario and stage.",
    ),
    "catalog.search": ("搜索", "Search"),
    "catalog.search_placeholder": ("企业、案例名称或描述", "Enterprise, title, text"),
    "catalog.city": ("城市", "City"),
    "catalog.industry": ("行业", "Industry"),
    "catalog.scenario": ("场景", "Scenario"),
    "catalog.stage": ("阶段", "Stage"),
    "catalog.status": ("审核状态", "Review status"),
    "catalog.any": ("全部", "All"),
    "catalog.apply": ("筛选", "Apply"),
    "catalog.reset": ("清除", "Reset"),
    "catalog.count": ("共 {total} 个案例", "{total} use cases"),
    "catalog.empty": ("没有符合条件的案例。", "No use cases match these filters."),
    "catalog.summary": ("概况", "Summary"),
    "stat.usecases": ("应用案例", "Use cases"),
    "stat.enterprises": ("企业", "Enterprises"),
    "stat.cities": ("城市", "Cities"),
    "stat.scenarios": ("应用场景", "Scenarios"),
    "catalog.by_scenario": ("按场景", "By scenario"),
    "catalog.by_city": ("按城市", "By city"),
    "catalog.export": ("导出", "Export"),
    "catalog.export_csv": ("导出 CSV", "Export CSV"),
    "catalog.export_json": ("导出 JSON", "Export JSON"),
    "pager.prev": ("上一页", "Previous"),
    "pager.next": ("下一页", "Next"),
    "pager.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    # use case fields
    "field.title": ("案例名称", "Title"),
    "field.scenario": ("应用场景", "Scenario"),
    "field.description": ("案例描述", "Description"),
    "field.network_mode": ("网络模式", "Network mode"),
    "field.operators": ("运营商", "Operators"),
    "field.stage": ("建设阶段", "Lifecycle stage"),
    "field.recognitions": ("荣誉与试点", "Recognitions"),
    "field.recognitions_help": ("每行一项，例如：省级试点示范", "One per line, e.g. provincial pilot"),
    "field.investment": ("投资额（元）", "Investment (CNY)"),
    "field.start_date": ("开始日期", "Start date"),
    "field.end_date": ("完成日期", "Completion date"),
    "field.enterprise": ("企业", "Enterprise"),
    "field.city": ("城市", "City"),
    "field.province": ("省份", "Province"),
    "field.industry": ("行业", "Industry"),
    "field.status": ("审核状态", "Review status"),
    "field.review_note": ("审核意见", "Reviewer note"),
    "field.review_status": ("审核状态", "Review status"),
    "field.source": ("来源", "Source"),
    "field.source_document": ("来源文件", "Source document"),
    "field.source_excerpt": ("原文摘录", "Excerpt"),
    "field.updated": ("更新时间", "Updated"),
    "field.created": ("创建时间", "Created"),
    "field.email": ("电子邮箱", "E-mail"),
    "field.password": ("密码", "Password"),
    "field.password_help": ("至少 10 个字符", "At least 10 characters"),
    "field.enterprise_name": ("企业名称", "Enterprise name"),
    "field.enterprise_name_en": ("英文名称（可选）", "English name (optional)"),
    "field.credit_code": ("统一社会信用代码（可选）", "Unified social credit code (optional)"),
    "field.contact": ("联系人 / 电话", "Contact"),
    "field.gateway_slug": ("网关标识", "Gateway id"),
    "field.gateway_slug_help": (
        "小写字母、数字和连字符，3–64 个字符",
        "Lowercase letters, digits and hyphens, 3–64 chars",
    ),
    "field.site_name": ("站点名称", "Site name"),
    "field.hardware": ("硬件型号", "Hardware"),
    "field.latitude": ("纬度", "Latitude"),
    "field.longitude": ("经度", "Longitude"),
    "field.choose": ("请选择…", "Choose…"),
    "field.optional": ("可选", "optional"),
    # requirement metrics (i5g.scenarios); a metric missing here is shown by its own name
    "metric.latency_ms": ("端到端时延（按往返检测）", "End-to-end latency (checked as round trip)"),
    "metric.one_way_latency_ms": ("单向端到端时延", "One-way end-to-end latency"),
    "metric.rtt_ms": ("往返时延", "Round-trip time"),
    "metric.jitter_ms": ("抖动", "Jitter"),
    "metric.loss_pct": ("丢包率", "Packet loss"),
    "metric.availability_pct": ("通信服务可用性", "Communication service availability"),
    "metric.reliability_pct": ("可靠性", "Reliability"),
    "metric.ul_mbps": ("上行速率", "Uplink data rate"),
    "metric.dl_mbps": ("下行速率", "Downlink data rate"),
    "metric.survival_time_ms": ("生存时间", "Survival time"),
    "metric.transfer_interval_ms": ("传输间隔", "Transfer interval"),
    "metric.agv_pos_err_cm": ("AGV定位误差", "AGV positioning error"),
    "metric.ctrl_loop_ms": ("控制回路时延", "Control loop latency"),
    "metric.sensor_pps": ("传感器数据点速率", "Sensor points per second"),
    "metric.twin_sync_ms": ("孪生同步时延", "Digital-twin sync delay"),
    "metric.video_mbps": ("视频上行速率", "Video uplink rate"),
    "metric.vision_infer_ms": ("视觉推理时延", "Vision inference latency"),
    # use case pages
    "usecase.profile": ("场景指标要求", "Scenario requirement profile"),
    "usecase.metric": ("指标", "Metric"),
    "usecase.requirement": ("要求", "Requirement"),
    "usecase.basis": ("依据", "Basis"),
    "usecase.project_default": ("项目默认值", "Project default"),
    "usecase.gateways": ("边缘网关", "Edge gateways"),
    "usecase.no_gateways": ("尚未登记网关。", "No gateways registered yet."),
    "usecase.online": ("在线", "Online"),
    "usecase.offline": ("离线", "Offline"),
    "usecase.unknown": ("未上报", "No data yet"),
    "usecase.last_seen": ("最后上报", "Last seen"),
    "usecase.dashboard": ("查看运行监测看板", "Open the monitoring dashboard"),
    "usecase.citation": ("引用来源", "Citation"),
    "usecase.edit": ("编辑", "Edit"),
    "usecase.add_gateway": ("登记网关", "Register a gateway"),
    "usecase.not_found": ("案例不存在或无权查看。", "This use case does not exist or you may not see it."),
    "usecase.details": ("基本信息", "Details"),
    "usecase.none": ("—", "—"),
    "form.new_title": ("登记5G应用案例", "Register a 5G use case"),
    "form.edit_title": ("编辑案例", "Edit use case"),
    "form.staff_edit_note": (
        "审核员修改：审核结论和审核意见保持不变。",
        "Staff edit: the review decision and its note stay as they are.",
    ),
    "staff.usecase_saved": ("已保存：{title}", "Saved: {title}"),
    "form.lead": (
        "提交后由主管部门审核，审核通过后在公开目录中展示。",
        "After you submit, staff review the case; approved cases appear in the public catalog.",
    ),
    "form.resubmit_note": (
        "修改后将重新进入审核队列。",
        "Saving changes sends the case back to the review queue.",
    ),
    "form.submit": ("提交审核", "Submit for review"),
    "form.save": ("保存", "Save"),
    "form.cancel": ("取消", "Cancel"),
    "form.errors": ("请修正标出的字段后再提交。", "Please correct the marked fields."),
    "form.profile_hint": ("所选场景的关键指标要求：", "Key requirements of the chosen scenario:"),
    "mine.title": ("我的案例", "My use cases"),
    "mine.empty": ("您还没有登记案例。", "You have not registered any use case yet."),
    "mine.saved": ("案例已保存并提交审核。", "Saved and submitted for review."),
    "gateway.title": ("登记边缘网关", "Register an edge gateway"),
    "gateway.lead": ("为已审核通过的案例登记采集网关。", "Register a telemetry gateway for an approved use case."),
    "gateway.created": ("网关已登记。", "Gateway registered."),
    "gateway.secret_title": ("网关接入密码（仅显示一次）", "Gateway broker password (shown once)"),
    "gateway.secret_help": (
        "请立即复制并保存到网关配置中，关闭页面后无法再次查看。",
        "Copy it into the gateway's configuration now; it cannot be shown again.",
    ),
    "gateway.username": ("接入用户名", "Broker username"),
    "gateway.password": ("接入密码", "Broker password"),
    "gateway.back": ("返回案例", "Back to the use case"),
    "gateway.broker_unavailable": (
        "消息服务器暂时无法为网关开通账号，未保存任何内容，请稍后重试。",
        "The MQTT broker could not create the gateway's account; nothing was saved. Please try again later.",
    ),
    "gateway.not_approved": ("只有审核通过的案例才能登记网关。", "Only approved use cases can get gateways."),
    # review
    "accounts.title": ("企业账号", "Enterprise accounts"),
    "accounts.lead": (
        "为已登记的企业（如目录中已收录的企业）开通登录账号。企业自行注册时如企业已存在，会被引导到这里。",
        "Open a login for an enterprise that is already registered (e.g. one from the seeded catalog). "
        "Sign-up sends such enterprises to the bureau.",
    ),
    "accounts.open": ("开通账号", "Open an account"),
    "accounts.submit": ("开通", "Open account"),
    "accounts.existing": ("已有企业账号", "Existing enterprise accounts"),
    "accounts.last_login": ("最近登录", "Last login"),
    "accounts.never": ("从未登录", "never"),
    "accounts.none": ("还没有企业账号。", "No enterprise accounts yet."),
    "accounts.created": ("账号已开通。", "Account opened."),
    "accounts.secret_title": ("初始密码", "Initial password"),
    "accounts.secret_help": (
        "此密码只显示这一次，请安全地交给企业联系人；对方登录后应在“修改密码”中更改。",
        "Shown this once only: hand it to the enterprise's contact securely; they should change it under "
        '"Password" after logging in.',
    ),
    "accounts.back": ("返回企业账号", "Back to accounts"),
    "password.title": ("修改密码", "Change password"),
    "password.current": ("当前密码", "Current password"),
    "password.new": ("新密码", "New password"),
    "password.repeat": ("再次输入新密码", "Repeat the new password"),
    "password.rules": ("至少 10 个字符。", "At least 10 characters."),
    "password.submit": ("修改密码", "Change password"),
    "password.changed": ("密码已修改。", "Password changed."),
    "review.title": ("审核队列", "Review queue"),
    "review.lead": ("待审核的企业提交。", "Submissions waiting for review."),
    "review.empty": ("没有待审核的案例。", "Nothing to review."),
    "review.lead_decided": (
        "已作出审核结论的案例：可修改内容，或重新作出结论（驳回须填写意见）。",
        "Decided cases: correct their content, or revisit the decision (a rejection needs a note).",
    ),
    "review.empty_decided": ("没有此状态的案例。", "No use cases with this status."),
    "review.approve": ("通过", "Approve"),
    "review.reject": ("驳回", "Reject"),
    "review.note_placeholder": ("审核意见（驳回时必填）", "Note (required when rejecting)"),
    "review.done_approved": ("已通过：{title}", "Approved: {title}"),
    "review.done_rejected": ("已驳回：{title}", "Rejected: {title}"),
    "review.submitted_by": ("提交企业", "Submitted by"),
    # accounts
    "login.title": ("登录", "Log in"),
    "login.submit": ("登录", "Log in"),
    "login.no_account": ("还没有账号？", "No account yet?"),
    "login.failed": ("邮箱或密码不正确。", "Wrong e-mail or password."),
    "login.rate_limited": (
        "尝试次数过多，请 {seconds} 秒后再试。",
        "Too many attempts; try again in {seconds} seconds.",
    ),
    "login.required": ("请先登录。", "Please log in first."),
    "login.welcome": ("欢迎，{email}", "Welcome, {email}"),
    "logout.done": ("您已退出登录。", "You have logged out."),
    "signup.title": ("企业注册", "Enterprise sign-up"),
    "signup.lead": (
        "注册企业账号后即可登记本企业的5G应用案例。",
        "Create an enterprise account to register your 5G use cases.",
    ),
    "signup.account": ("账号", "Account"),
    "signup.enterprise": ("企业信息", "Enterprise"),
    "signup.submit": ("注册", "Create account"),
    "signup.have_account": ("已有账号？", "Already registered?"),
    # errors
    "err.required": ("此项必填。", "This field is required."),
    "err.too_long": ("不能超过 {max} 个字符。", "At most {max} characters."),
    "err.invalid_choice": ("请从列表中选择。", "Choose a value from the list."),
    "err.invalid_number": ("请输入有效的数字。", "Enter a valid number."),
    "err.negative": ("不能为负数。", "Must not be negative."),
    "err.invalid_date": ("请输入有效日期（YYYY-MM-DD）。", "Enter a valid date (YYYY-MM-DD)."),
    "err.date_order": ("完成日期不能早于开始日期。", "The completion date cannot be before the start date."),
    "err.invalid_email": ("请输入有效的电子邮箱。", "Enter a valid e-mail address."),
    "err.email_taken": ("该邮箱已注册。", "This e-mail is already registered."),
    "err.password_short": ("密码至少 10 个字符。", "The password needs at least 10 characters."),
    "err.password_long": ("密码过长。", "The password is too long."),
    "err.password_wrong": ("当前密码不正确。", "The current password is wrong."),
    "err.password_repeat": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "err.credit_code": (
        "统一社会信用代码应为 18 位数字或大写字母。",
        "A unified social credit code has 18 digits or capital letters.",
    ),
    "err.enterprise_taken": (
        "该企业已登记，请联系主管部门开通账号。",
        "This enterprise is already registered; ask the bureau staff for an account.",
    ),
    "err.slug": (
        "只能包含小写字母、数字和连字符，长度 3–64。",
        "Only lowercase letters, digits and hyphens, 3–64 characters.",
    ),
    "err.slug_taken": ("该网关标识已被使用。", "This gateway id is taken."),
    "err.latitude": ("纬度应在 -90 到 90 之间。", "Latitude must be between -90 and 90."),
    "err.longitude": ("经度应在 -180 到 180 之间。", "Longitude must be between -180 and 180."),
    "err.note_required": ("驳回时请填写审核意见。", "Give a note when rejecting."),
    "err.invalid": ("输入无效。", "Invalid value."),
    "err.control_character": (
        "不能包含控制字符（如从其他程序粘贴带入的不可见字符）。",
        "Must not contain control characters (invisible characters, often pasted in from another program).",
    ),
    "err.forbidden": ("您无权执行此操作。", "You are not allowed to do this."),
    "err.csrf": (
        "表单已过期或来源无效，请刷新页面后重试。",
        "The form expired or did not come from this site; reload the page and try again.",
    ),
    "err.not_found": ("页面不存在。", "Page not found."),
    "err.title": ("出错了", "Something went wrong"),
    "err.back_home": ("返回目录", "Back to the catalog"),
    # gateway agent hand-over (registry/gateways/agent_config.py)
    "gateway.agent_title": ("网关代理配置（含密码，仅显示一次）", "Agent configuration for this gateway (shown once)"),
    "gateway.agent_help": (
        "在网关上将下面的配置保存为 agent.toml（不含密码），然后按顺序执行安装命令；密码写入仅 root 可读的文件。",
        "Save the configuration below as agent.toml on the gateway (it holds no secret), then run the commands "
        "in order; the password goes into a file only root can read.",
    ),
    "gateway.agent_config": ("agent.toml", "agent.toml"),
    "gateway.agent_commands": ("安装并启动", "Install and start"),
    "gateway.agent_ca": ("ca.pem（消息服务器 CA）", "ca.pem (the broker's CA)"),
}


def negotiate(request: Request) -> Lang:
    """The cookie wins; otherwise the best Accept-Language match; otherwise Chinese."""
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie in LANGS:
        return cookie  # type: ignore[return-value]
    return from_accept_language(request.headers.get("accept-language", ""))


def from_accept_language(header: str) -> Lang:
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and quality > 0:
            candidate = (quality, -position, primary)
            if best is None or candidate > best:
                best = candidate  # type: ignore[assignment]
    return best[2] if best else DEFAULT_LANG


def translate(lang: Lang, key: str, **values: object) -> str:
    """The message in that language; a missing key is a programming error and fails loudly."""
    text = MESSAGES[key][LANGS.index(lang)]
    return text.format(**values) if values else text


def translator(lang: Lang) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    return t
