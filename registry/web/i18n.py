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
    # sign-up answers the same whether or not the e-mail already has an account (no account enumeration)
    # staff reset an enterprise account's password: a generated one, shown once; the account's sessions end
    "accounts.reset": ("重置密码", "Reset password"),
    "accounts.reset_done": (
        "密码已重置，该账号的所有登录会话均已结束。",
        "Password reset; every session of this account has ended.",
    ),
    "signup.received": (
        "注册已提交。请用注册时填写的邮箱和密码登录；如该邮箱此前已注册，请使用原有密码。",
        "Sign-up received. Log in with the e-mail and password you entered; if that e-mail was registered"
        " before, use its existing password.",
    ),
    # sec-input (issue 16): request limits and malformed addresses answered with a page
    "err.too_large": ("提交的内容过大。", "What was sent is too large."),
    "err.bad_request": ("地址或参数无效。", "The address or one of its parameters is not valid."),
    "gateway.rotate": ("更换密码", "Rotate password"),
    "gateway.rotated": ("已生成新的网关密码", "A new gateway password was generated"),
    "gateway.rotated_help": (
        "消息代理现在只接受新密码，并已断开网关的连接；网关会保留采集数据直到重新登录。请把新密码写入网关的密码文件"
        "并执行 systemctl reload i5g-agent。若要完全不中断，请按运维手册在网关上预先生成密码。",
        "The broker now accepts only the new password and has disconnected the gateway, which keeps its samples "
        "until it logs in again. Write the password to the gateway's password file and run systemctl reload "
        "i5g-agent. To change it without any gap, generate the password on the gateway first (operations guide).",
    ),
    "gateway.rotate_refused": (
        "无法更换密码：网关已停用，或本系统未连接消息代理。",
        "The password cannot be rotated: the gateway is disabled, or this registry manages no broker.",
    ),
    "err.busy": (
        "系统繁忙，未保存任何内容，请稍后重新提交。",
        "The registry is busy and nothing was saved; submit the form again in a moment.",
    ),
    # evidence-ui: deployment evidence (compliance card, charts, fleet health, report)
    "nav.fleet": ("运行健康", "Fleet health"),
    "usecase.connection": ("连接状态", "Connection"),
    "evidence.title": ("部署实效：是否满足场景要求", "Deployment evidence: does it meet its scenario's requirements?"),
    "evidence.verdict_meets": ("满足要求", "Meets"),
    "evidence.verdict_fails": ("未满足要求", "Does not meet"),
    "evidence.verdict_no_data": ("无数据", "No data"),
    "evidence.window": ("统计窗口", "Window"),
    "evidence.window_15m": ("近15分钟", "Last 15 min"),
    "evidence.window_1h": ("近1小时", "Last hour"),
    "evidence.window_24h": ("近24小时", "Last 24 h"),
    "evidence.window_7d": ("近7天", "Last 7 days"),
    "evidence.window_30d": ("近30天", "Last 30 days"),
    "evidence.window_custom": ("自定义", "Custom"),
    "evidence.availability": ("可用性", "Availability"),
    "evidence.target": ("目标", "target"),
    "evidence.compliance": ("达标情况", "Compliance"),
    "evidence.no_data": ("无数据", "No data"),
    "evidence.samples": ("样本数", "Samples"),
    "evidence.last_sample": ("最后样本", "Last sample"),
    "evidence.kpi": ("指标", "KPI"),
    "evidence.within_bound": ("达标样本占比", "Samples within bound"),
    "evidence.bound": ("要求", "Bound"),
    "evidence.from": ("开始", "From"),
    "evidence.to": ("结束", "To"),
    "evidence.available": ("可用", "Available"),
    "evidence.unavailable": ("不可用", "Unavailable"),
    "evidence.timeline": ("可用性时间线", "Availability timeline"),
    "evidence.charts": ("指标随时间变化（p50 / p95）", "KPIs over time (p50 / p95)"),
    "evidence.charts_help": (
        "实线为中位数（p50）与p95（下限类指标为第5百分位），虚线为场景要求；空白处为无数据。",
        "Solid lines: median (p50) and p95 (5th percentile for minimum bounds); dashed line: the scenario's "
        "bound; gaps: no data.",
    ),
    "evidence.chart_desc": (
        "{kpi}：p50与p95随时间变化，要求 {bound} {unit}，{buckets} 个时间段有数据。",
        "{kpi}: p50 and p95 over time against the bound {bound} {unit}; {buckets} time buckets with data.",
    ),
    "evidence.worst_periods": ("最长不可用时段", "Longest unavailable periods"),
    "evidence.definition": (
        "可用性按 3GPP TS 22.104 计算：短于生存时间的超限不计为不可用；无数据时间单独统计，不计为可用。",
        "Availability as 3GPP TS 22.104 defines it: a breach shorter than the survival time does not count as "
        "unavailable; time without data is its own share, never counted as available.",
    ),
    "evidence.telemetry_unavailable": ("遥测数据暂不可用。", "Telemetry unavailable."),
    "evidence.telemetry_unavailable_help": (
        "时序数据库当前无法访问，暂时无法计算达标情况；案例的其他信息不受影响。",
        "The time-series database cannot be reached, so compliance cannot be computed right now; everything "
        "else about the use case is unaffected.",
    ),
    "fleet.title": ("运行健康总览", "Fleet health"),
    "fleet.lead": (
        "所有已审核案例的达标情况，按城市、行业和场景筛选，最差的排在最前。",
        "Every approved use case with its compliance, filterable by city, industry and scenario, worst first.",
    ),
    "fleet.filters": ("筛选", "Filters"),
    "fleet.caption": ("案例达标情况，最差的排在最前", "Use cases by compliance, worst first"),
    "fleet.count": ("共 {total} 个案例", "{total} use cases"),
    "fleet.empty": ("没有符合条件的案例。", "No use cases match."),
    "fleet.gateways": ("在线网关", "Gateways online"),
    "fleet.last_data": ("最新数据", "Last data"),
    "report.open": ("达标报告", "Compliance report"),
    "report.title": ("达标报告", "Compliance report"),
    "report.kicker": ("5G应用部署达标报告", "5G deployment compliance report"),
    "report.summary": ("概况", "Summary"),
    "report.generated": ("生成时间", "Generated"),
    "report.use_case_id": ("案例编号", "Use case id"),
    "report.kpis": ("各项指标（{window}）", "KPIs ({window})"),
    "report.footer": (
        "本报告由工业5G应用案例库根据网关上报的遥测数据自动生成，可作为示范项目申报的附件。",
        "Generated by the Industrial 5G Use-Case Registry from the gateways' telemetry; may be attached to a "
        "demonstration nomination.",
    ),
    "review_evidence.title": ("部署实效（供审核参考）", "Deployment evidence (for the reviewer)"),
    "review_evidence.help": (
        "将阶段改为“已运营”或“示范应用”时，系统会在审核记录中保存此刻的实效快照（统计窗口、可用性、是否达标）。",
        "Moving the stage to operating or demonstration keeps a snapshot of this evidence (window, availability, "
        "verdict) in the review history.",
    ),
    "review_evidence.history": ("阶段变更审核记录", "Stage review history"),
    # evidence-ui: accessibility
    "field.actions": ("操作", "Actions"),
    # evidence-ui: industry classification (GB/T 4754-2017)
    "industry.unclassified": ("未分类", "Unclassified"),
    "field.industry_wording": ("行业（原文表述）", "Industry (as worded)"),
    "field.industry_class": ("行业分类（GB/T 4754-2017）", "Industry (GB/T 4754-2017)"),
    "field.industry_wording_help": (
        "可选：贵企业对所属行业的自述，例如“汽车及零部件”。",
        'Optional: your own wording of the industry, e.g. "automotive parts".',
    ),
    "mine.revision_saved": (
        "修改已提交审核；审核通过前，公开的仍是已批准的版本，网关照常上报。",
        "Change submitted for review; until it is approved the approved version stays public and gateways keep "
        "reporting.",
    ),
    "form.revision_note": (
        "该案例已发布：修改将送审，审核通过前公开的仍是当前版本。",
        "This case is published: changes are reviewed, and the current version stays public until they are approved.",
    ),
    "review.revision": (
        "对已发布案例的修改：决定前公开的仍是已批准的版本。",
        "Change to a published case: the approved version stays public until you decide.",
    ),
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
    # workflow
    "nav.claims": ("企业认领", "Claims"),
    "nav.audit": ("审计日志", "Audit log"),
    "claim.title": ("认领已登记企业", "Claim a registered enterprise"),
    "claim.lead": (
        "贵企业已在案例库中登记（例如来自公开的试点名单），但还没有账号：提交认领申请，主管部门核实后即为您开通账号，"
        "不会重复登记企业。",
        "Your enterprise is registered already (e.g. from a published pilot list) but has no account yet: ask to "
        "claim it. Once the bureau staff have checked who you are, your account is opened for it; no duplicate "
        "is created.",
    ),
    "claim.signup_hint": ("贵企业已在案例库中？", "Is your enterprise listed already?"),
    "claim.offer": (
        "该企业已登记，尚无账号：您可以在下方申请认领，无需重复注册。",
        "This enterprise is already registered and has no account yet: ask to claim it below instead of "
        "registering it again.",
    ),
    "claim.found": ("已登记的企业", "The registered enterprise"),
    "claim.which": ("要认领的企业", "The enterprise to claim"),
    "claim.which_help": (
        "填写登记的企业名称或统一社会信用代码（其一即可）。",
        "Its registered name or its unified social credit code (one is enough).",
    ),
    "claim.message": ("说明", "Message"),
    "claim.message_help": (
        "您是谁、如何核实（职务、电话、营业执照等）。",
        "Who you are and how the staff can check it (position, phone, business licence ...).",
    ),
    "claim.submit": ("提交认领申请", "Ask to claim"),
    "claim.received": (
        "认领申请已提交。主管部门核实通过后，即可用填写的邮箱和密码登录。",
        "Claim received. Once the staff approve it, log in with the e-mail and password you entered.",
    ),
    "claim.received_account": (
        "认领申请已提交，请等待主管部门核实。",
        "Claim received; the staff will check it.",
    ),
    "claim.err_identify": (
        "请填写企业名称或统一社会信用代码。",
        "Give the enterprise's name or its unified social credit code.",
    ),
    "claim.err_not_found": (
        "没有与此名称或信用代码匹配的其他已登记企业；如尚未登记，请直接注册。",
        "No other registered enterprise has this name or credit code; if yours is not registered, sign up.",
    ),
    "claim.err_refused": (
        "无法认领：该企业已有账号，或您已提交过申请，或您的企业还有其他账号。请联系主管部门。",
        "Cannot claim: the enterprise has accounts already, you have asked already, or your own enterprise has "
        "other accounts. Please contact the bureau staff.",
    ),
    "claim.err_conflict": (
        "无法通过：该企业已有账号、该邮箱已有账号，或申请已处理。",
        "Cannot approve: the enterprise has accounts now, the e-mail has an account, or the claim was decided.",
    ),
    "claim.mine_title": ("认领企业", "Claim an enterprise"),
    "claim.mine_lead": (
        "贵企业已在案例库中登记、但您注册时新建了企业？申请认领：通过后您的账号归入已登记的企业，"
        "您新建企业下的案例和网关一并转入，新建的企业随即删除。",
        "Your enterprise was registered already and signing up created a second one? Ask to claim the "
        "registered one: on approval your account moves to it, the use cases and gateways of the one you created "
        "move with it, and that one is deleted.",
    ),
    "claim.mine_link": ("认领已登记企业", "Claim a registered enterprise"),
    "claim.mine_list": ("我的认领申请", "My claims"),
    "claim.none": ("没有认领申请。", "No claims."),
    "claim.staff_title": ("企业认领审核", "Enterprise claims"),
    "claim.staff_lead": (
        "核实申请人的身份后通过或驳回（驳回须填写意见）。通过后账号归入该企业，不会新建企业。",
        "Check who is asking, then approve or reject (a rejection needs a note). Approval attaches the account "
        "to the enterprise; no enterprise is created.",
    ),
    "claim.kind": ("申请方式", "Made"),
    "claim.at_signup": ("注册时申请（通过后开通账号）", "at sign-up (the account is opened on approval)"),
    "claim.from_account": (
        "由已有账号申请，其企业“{name}”将并入",
        "from an account; its enterprise “{name}” is merged",
    ),
    "claim.code_given": ("申请人填写的信用代码", "Credit code given"),
    "claim.code_on_record": ("登记的信用代码", "Credit code on record"),
    "claim.decided_by": ("处理人", "Decided by"),
    "claim.status.pending": ("待审核", "Pending"),
    "claim.status.approved": ("已通过", "Approved"),
    "claim.status.rejected": ("已驳回", "Rejected"),
    "claim.done_approved": ("已通过认领：{name}", "Claim approved: {name}"),
    "claim.done_rejected": ("已驳回认领：{name}", "Claim rejected: {name}"),
    "history.title": ("审核与变更记录", "Review and change history"),
    "history.lead": (
        "谁在何时做了什么：提交、审核决定、阶段变更（含审核时的实效快照）、内容修改和网关操作。",
        "Who did what and when: submissions, review decisions, stage moves (with the evidence the reviewer "
        "saw), edits and gateway changes.",
    ),
    "history.empty": ("暂无记录。", "Nothing recorded yet."),
    "history.when": ("时间", "When"),
    "history.who": ("操作人", "Who"),
    "history.what": ("操作", "What"),
    "history.change": ("变更", "Change"),
    "history.note": ("意见", "Note"),
    "history.evidence": ("实效快照", "Evidence"),
    "history.compliant": ("达标", "compliant"),
    "history.not_compliant": ("未达标", "not compliant"),
    "audit.title": ("审计日志", "Audit log"),
    "audit.lead": (
        "案例库中每一次变更的记录，只增不改。",
        "Every change made in the registry, append-only.",
    ),
    "audit.actor": ("操作人", "Actor"),
    "audit.actor_help": ("邮箱、令牌名称或 system 任务名，完全匹配", "E-mail, token name or job name, exact"),
    "audit.action": ("操作", "Action"),
    "audit.action_help": (
        "例如 usecase.review；以“.”结尾表示前缀，如 gateway.",
        "e.g. usecase.review; a prefix ends in “.”, e.g. gateway.",
    ),
    "audit.target_type": ("对象类型", "Target type"),
    "audit.target_type_help": (
        "usecase、gateway、enterprise、claim、account、token",
        "usecase, gateway, enterprise, claim, account, token",
    ),
    "audit.target_id": ("对象编号", "Target id"),
    "audit.target": ("对象", "Target"),
    "audit.since": ("起始日期", "From"),
    "audit.until": ("截止日期（含）", "To (inclusive)"),
    "audit.filter": ("筛选", "Filter"),
    "audit.count": ("共 {total} 条", "{total} events"),
    "audit.empty": ("没有符合条件的记录。", "No events match."),
    "audit.export_csv": ("导出 CSV", "Export CSV"),
    "audit.export_json": ("导出 JSON", "Export JSON"),
    "audit.action.usecase.create": ("登记案例", "Use case registered"),
    "audit.action.usecase.update": ("修改案例", "Use case edited"),
    "audit.action.usecase.submit": ("提交审核", "Submitted for review"),
    "audit.action.usecase.review": ("审核决定", "Review decision"),
    "audit.action.usecase.stage": ("阶段变更", "Stage change"),
    "audit.action.usecase.delete": ("删除案例", "Use case deleted"),
    "audit.action.usecase.revision.propose": ("提交修改（已发布案例）", "Change proposed (published case)"),
    "audit.action.usecase.revision.approve": ("修改已通过", "Change approved"),
    "audit.action.usecase.revision.reject": ("修改被驳回", "Change rejected"),
    "audit.action.gateway.register": ("登记网关", "Gateway registered"),
    "audit.action.gateway.update": ("修改网关", "Gateway edited"),
    "audit.action.gateway.disable": ("停用网关（凭据吊销）", "Gateway disabled (credentials revoked)"),
    "audit.action.gateway.enable": ("启用网关（凭据恢复）", "Gateway enabled (credentials restored)"),
    "audit.action.gateway.credentials.rotate": ("更换网关密码", "Gateway password rotated"),
    "audit.action.gateway.delete": ("删除网关", "Gateway deleted"),
    "audit.action.enterprise.create": ("登记企业", "Enterprise registered"),
    "audit.action.enterprise.update": ("修改企业", "Enterprise edited"),
    "audit.action.enterprise.delete": ("删除企业", "Enterprise deleted"),
    "audit.action.enterprise.merge": ("合并企业", "Enterprise merged"),
    "audit.action.claim.request": ("申请认领", "Claim requested"),
    "audit.action.claim.approve": ("认领通过", "Claim approved"),
    "audit.action.claim.reject": ("认领驳回", "Claim rejected"),
    "audit.action.account.create": ("开通账号", "Account opened"),
    "audit.action.account.update": ("账号变更", "Account changed"),
    "audit.action.account.password.set": ("设置密码", "Password set"),
    "audit.action.token.create": ("创建令牌", "Token created"),
    "audit.action.token.revoke": ("吊销令牌", "Token revoked"),
    "audit.action.seed.load": ("导入种子数据", "Seed catalog loaded"),
    "staff.gateway_button_rotate": ("更换密码", "Rotate password"),
    "staff.gateway_button_disable": ("停用", "Disable"),
    "staff.gateway_button_enable": ("启用", "Enable"),
    "staff.gateway_button_delete": ("删除", "Delete"),
    "staff.gateway_disable": (
        "网关 {gateway} 已停用，其凭据已吊销。",
        "Gateway {gateway} disabled; its credentials are revoked.",
    ),
    "staff.gateway_enable": ("网关 {gateway} 已启用。", "Gateway {gateway} enabled."),
    "staff.gateway_rotate": ("网关 {gateway} 的密码已更换。", "Gateway {gateway}: password rotated."),
    "staff.gateway_delete": ("网关 {gateway} 已删除。", "Gateway {gateway} deleted."),
    "staff.usecase_delete": ("删除案例", "Delete use case"),
    "staff.enterprise_edit": ("修改企业信息", "Edit the enterprise"),
    "staff.enterprise_new": ("登记企业", "Register an enterprise"),
    "staff.enterprise_delete": ("删除企业", "Delete the enterprise"),
    "staff.enterprise_delete_help": (
        "该企业没有案例和账号，可以删除（例如误登记）。",
        "It has no use cases and no accounts, so it can be deleted (e.g. registered by mistake).",
    ),
    "staff.enterprise_deleted": ("已删除企业：{name}", "Enterprise deleted: {name}"),
    "staff.enterprise_in_use": (
        "该企业仍有案例或账号，不能删除。",
        "This enterprise still has use cases or accounts and cannot be deleted.",
    ),
    "staff.usecase_new": ("代为登记案例", "Register a use case"),
    "staff.enterprise_save": ("保存", "Save"),
    "staff.enterprise_saved": ("企业信息已保存：{name}", "Enterprise saved: {name}"),
    "staff.usecase_deleted": ("已删除：{title}", "Deleted: {title}"),
    "staff.usecase_has_gateways": (
        "该案例仍有网关，请先删除网关。",
        "This use case still has gateways; delete them first.",
    ),
    # alerts
    "nav.alerts": ("告警", "Alerts"),
    "alerts.title": ("告警", "Alerts"),
    "alerts.lead": (
        "所有用例的告警：由评估服务按场景需求规则持续判断；可确认或静默通知。",
        "Alerts of every use case, evaluated continuously against the scenario profile's rules; acknowledge them or "
        "silence their notifications.",
    ),
    "alerts.tab.open": ("未结束", "Open"),
    "alerts.tab.firing": ("告警中", "Firing"),
    "alerts.tab.pending": ("待定", "Pending"),
    "alerts.tab.resolved": ("已恢复", "Resolved"),
    "alerts.state.pending": ("待定", "Pending"),
    "alerts.state.firing": ("告警中", "Firing"),
    "alerts.state.resolved": ("已恢复", "Resolved"),
    "alerts.kind.availability": ("可用性低于目标", "Availability below target"),
    "alerts.kind.kpi_bound": ("指标超出界限", "KPI outside its bound"),
    "alerts.kind.gateway_offline": ("网关离线", "Gateway offline"),
    "alerts.kind.no_data": ("在线但无数据", "Online without data"),
    "alerts.kind.dead_letters": ("死信激增", "Dead-letter surge"),
    "alerts.kind.spool_backlog": ("网关缓存积压（丢弃样本）", "Agent spool backlog (samples dropped)"),
    "alerts.none": ("没有告警。", "No alerts."),
    "alerts.col.state": ("状态", "State"),
    "alerts.col.usecase": ("用例", "Use case"),
    "alerts.col.subject": ("对象", "Subject"),
    "alerts.col.rule": ("规则", "Rule"),
    "alerts.col.detail": ("详情", "Detail"),
    "alerts.col.since": ("开始 / 结束", "Since / until"),
    "alerts.acked_by": ("已由 {who} 确认", "Acknowledged by {who}"),
    "alerts.silenced_until": ("静默至 {until}", "Silenced until {until}"),
    "alerts.ack": ("确认", "Acknowledge"),
    "alerts.silence": ("静默", "Silence"),
    "alerts.silence_for": ("静默时长", "Silence for"),
    "alerts.minutes": ("{n} 分钟", "{n} minutes"),
    "alerts.unsilence": ("取消静默", "Lift the silence"),
    "alerts.acked": ("告警已确认。", "Alert acknowledged."),
    "alerts.silenced": ("告警通知已静默。", "Alert notifications silenced."),
    "alerts.unsilenced": ("已取消静默。", "Silence lifted."),
    "alerts.err.resolved": ("已恢复的告警无需确认。", "A resolved alert cannot be acknowledged."),
    "alerts.open": ("未结束的告警", "Open alerts"),
    "alerts.open_count": ("{n} 条告警", "{n} alerts"),
    "alerts.manage": ("告警、规则与通知渠道", "Alerts, rules and notification channels"),
    "alerts.usecase_title": ("告警：{title}", "Alerts: {title}"),
    "alerts.back_to_usecase": ("返回用例", "Back to the use case"),
    "alerts.history": ("告警记录", "Alert history"),
    "alerts.rules": ("告警规则", "Alert rules"),
    "alerts.rules_help": (
        "默认规则来自场景需求：阈值为界限值，持续时间为生存时间（无生存时间时为默认分钟数）。时间单位为秒。",
        "Default rules come from the scenario profile: thresholds are its bounds, durations its survival time (a "
        "default number of minutes where it has none). Times are in seconds.",
    ),
    "alerts.rules_pending": (
        "用例有启用的网关后，告警评估服务会在下一轮按场景需求建立默认规则。",
        "The evaluator adds the default rules from the scenario profile in its next round once the use case has an "
        "enabled gateway.",
    ),
    "alerts.rule.threshold": ("阈值", "Threshold"),
    "alerts.rule.for_s": ("持续（秒）", "For (s)"),
    "alerts.rule.window_s": ("窗口（秒）", "Window (s)"),
    "alerts.rule.enabled": ("启用", "Enabled"),
    "alerts.rule.save": ("保存", "Save"),
    "alerts.rule_saved": ("规则已保存。", "Rule saved."),
    "alerts.err.rule": (
        "阈值应在 {min} 到 {max} 之间，持续时间为 0 到 604800 秒，窗口为 60 到 2592000 秒。",
        "The threshold must be between {min} and {max}, the duration 0 to 604800 s, the window 60 to 2592000 s.",
    ),
    "alerts.channels": ("通知渠道", "Notification channels"),
    "alerts.channels_help": (
        "此用例的告警触发和恢复时通知这些渠道；发送失败会重试，最后的错误显示在这里。",
        "These channels are told when this use case's alerts fire and resolve; failed sends are retried and the "
        "last error is shown here.",
    ),
    "alerts.channels_help_all": (
        "这些渠道接收所有用例的告警通知。",
        "These channels receive the notifications of every use case's alerts.",
    ),
    "alerts.channel.name": ("名称", "Name"),
    "alerts.channel.kind": ("类型", "Kind"),
    "alerts.channel.target": ("地址", "Address"),
    "alerts.channel.target_help": (
        "Webhook 和机器人：http:// 或 https:// 地址；邮件：一个邮箱地址。",
        "Webhook and robots: an http:// or https:// URL; e-mail: one address.",
    ),
    "alerts.channel.secret": ("签名密钥（可选）", "Signing secret (optional)"),
    "alerts.channel.health": ("状态", "Health"),
    "alerts.channel.failing": ("发送失败", "Failing"),
    "alerts.channel.ok": ("正常", "Working"),
    "alerts.channel.unused": ("尚未发送", "Nothing sent yet"),
    "alerts.channel.counts": ("待发送 {queued}，已放弃 {failed}", "{queued} waiting, {failed} given up"),
    "alerts.channel.delete": ("删除", "Delete"),
    "alerts.channel.add": ("添加渠道", "Add a channel"),
    "alerts.channel_added": ("渠道已添加。", "Channel added."),
    "alerts.channel_deleted": ("渠道已删除。", "Channel deleted."),
    "alerts.err.channel": (
        "请填写名称，并给出 http:// 或 https:// 地址（不含用户名和密码）；邮件渠道请给出一个邮箱地址。",
        "Give a name and an http:// or https:// URL (without user:password); for e-mail, one address.",
    ),
    "alerts.channel_kind.webhook": ("通用 Webhook（HMAC-SHA256 签名）", "Generic webhook (HMAC-SHA256 signed)"),
    "alerts.channel_kind.dingtalk": ("钉钉自定义机器人", "DingTalk custom robot"),
    "alerts.channel_kind.wecom": ("企业微信群机器人", "WeCom group robot"),
    "alerts.channel_kind.feishu": ("飞书自定义机器人", "Feishu/Lark custom bot"),
    "alerts.channel_kind.email": ("电子邮件", "E-mail"),
    # rconf: remote agent configuration (registry/agentconfig)
    "agentcfg.link": ("代理配置", "Agent config"),
    "agentcfg.title": ("网关代理配置", "Gateway agent configuration"),
    "agentcfg.lead": (
        "这里设置的值会覆盖网关本地配置文件中的同名设置，并以保留消息推送给网关；网关应用后会上报版本。消息服务器连接、"
        "网关标识和凭据只能在网关本地设置。",
        "Values set here are laid over the gateway's own configuration file and delivered to it as a retained "
        "message; the agent reports the version it applied. The broker connection, identity and credentials can "
        "only be set on the gateway itself.",
    ),
    "agentcfg.status": ("期望与上报", "Desired and reported"),
    "agentcfg.desired_version": ("期望版本", "Desired version"),
    "agentcfg.applied_version": ("网关已应用版本", "Version the agent applied"),
    "agentcfg.state": ("状态", "State"),
    "agentcfg.state.none": ("未设置远程配置", "No remote configuration set"),
    "agentcfg.state.pending": ("待应用（网关尚未上报此版本）", "Pending (the agent has not reported this version)"),
    "agentcfg.state.applied": ("已应用", "Applied"),
    "agentcfg.state.rejected": ("被网关拒绝", "Rejected by the agent"),
    "agentcfg.rejected": ("网关拒绝的原因", "Why the agent refused it"),
    "agentcfg.updated": ("最后修改", "Last changed"),
    "agentcfg.reported_at": ("最后上报", "Last report"),
    "agentcfg.topic": ("配置主题", "Config topic"),
    "agentcfg.form": ("设置下一版本", "Set the next version"),
    "agentcfg.interval": ("采样间隔（秒）", "Sampling interval (seconds)"),
    "agentcfg.interval_help": ("留空则使用网关本地设置；0 到 3600 秒。", "Blank: the gateway's own setting; 0-3600 s."),
    "agentcfg.log_level": ("日志级别", "Log level"),
    "agentcfg.sources": ("数据源", "Sources"),
    "agentcfg.src_keep": ("沿用网关设置", "As on the gateway"),
    "agentcfg.src_on": ("启用", "On"),
    "agentcfg.src_off": ("停用", "Off"),
    "agentcfg.probe_targets": ("探测目标（每行一个 主机:端口）", "Probe targets (one host:port per line)"),
    "agentcfg.source_options": ("其他数据源选项（JSON 对象）", "Other source options (JSON object)"),
    "agentcfg.source_options_help": (
        '例如 {"simulated": {"degradation_rate": 0.05}}；mmcli 程序和串口设备只能在网关本地设置。',
        'E.g. {"simulated": {"degradation_rate": 0.05}}; the mmcli program and serial devices can only be set on '
        "the gateway.",
    ),
    "agentcfg.save": ("保存并下发", "Save and deliver"),
    "agentcfg.saved": ("已保存新版本并下发给网关。", "New version saved and delivered to the gateway."),
    "agentcfg.err_json": ("请输入 JSON 对象。", "Enter a JSON object."),
    "agentcfg.err_number": ("请输入数字。", "Enter a number."),
    "agentcfg.err_model": (
        "网关代理的配置模型拒绝此值：{reason}",
        "The agent's configuration model refuses this: {reason}",
    ),
    # evfast
    "fleet.window_invalid": (
        "所选时间窗早于原始数据的保留期，且没有汇总数据覆盖这段时间；请选择较短的时间窗。",
        "The chosen window starts before raw data retention and no rollups cover it; choose a shorter window.",
    ),
    # sparkplug
    "sparkplug.title": ("Sparkplug B 边缘节点", "Sparkplug B edge node"),
    "sparkplug.lead": (
        "将网关 {gateway} 声明为已有的 Sparkplug B 边缘节点（如 Ignition Edge、Kura），并把它的指标对应到 KPI。案例：",
        "Declare gateway {gateway} an existing Sparkplug B edge node (Ignition Edge, Kura ...) and map its metrics "
        "to KPIs. Use case:",
    ),
    "sparkplug.group_id": ("组 ID（Group ID）", "Group ID"),
    "sparkplug.edge_node_id": ("边缘节点 ID（Edge Node ID）", "Edge node ID"),
    "sparkplug.id_help": (
        "与节点配置中的完全一致；可用字母、数字、空格、. _ -，最多 64 个字符。",
        "Exactly as configured on the node: letters, digits, space, . _ -, at most 64 characters.",
    ),
    "sparkplug.mappings": ("指标对应", "Metric mapping"),
    "sparkplug.mappings_help": (
        "每行一个：指标名 | KPI | 系数 | 偏移 | 设备 ID（后三项可省略）；KPI = 值 × 系数 + 偏移。"
        "例：Net/RTT s | rtt_ms | 1000",
        "One per line: metric | KPI | scale | offset | device ID (the last three optional); "
        "KPI = value × scale + offset. Example: Net/RTT s | rtt_ms | 1000",
    ),
    "sparkplug.kpis": ("可用的 KPI 及单位", "KPIs and their units"),
    "sparkplug.unit": ("单位", "Unit"),
    "sparkplug.save": ("保存", "Save"),
    "sparkplug.saved": (
        "已保存；消息服务器已允许该网关以此节点身份发布。",
        "Saved; the broker now lets the gateway publish as this node.",
    ),
    "sparkplug.withdraw": ("取消 Sparkplug 声明", "Withdraw the Sparkplug declaration"),
    "sparkplug.node_taken": ("该节点已属于另一个网关", "This edge node already belongs to another gateway"),
    "sparkplug.line_error": ("第 {line} 行 {column}：{detail}", "line {line} {column}: {detail}"),
    "sparkplug.link": ("Sparkplug", "Sparkplug"),
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
