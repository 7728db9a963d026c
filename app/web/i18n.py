"""Words of the interface (not of the story) in both languages.

Templates receive the dictionary for the page's language as ``t``. Story text
lives in content/; only navigation, labels and short messages live here.
"""

UI = {
    "zh": {
        "site_name": "学徒厨房",
        "site_tagline": "用一间厨房讲清楚 ChatGPT 是怎么工作的",
        "skip": "跳到正文",
        "contents": "目录",
        "cover": "封面",
        "chapter_n": "第 {n} 章",
        "ending": "尾声",
        "thread": "十条串讲",
        "glossary": "厨房词典",
        "video": "视频脚本",
        "in_chapter": "（第 {n} 章）",
        "term_where": "在哪里讲、在哪里玩：",
        "term_where_only": "在哪里讲：",
        "glossary_index": "词条一览",
        "scene_n": "场景 {n}",
        "on_screen": "画面：",
        "narration": "旁白：",
        "runtime": "全长 {length}，共 {n} 个场景。",
        "runtime_one": "全长 {length}，共 {n} 个场景。",
        "prev": "上一章",
        "next": "下一章",
        "other_lang": "English",
        "other_lang_label": "Read this page in English",
        "copy": "复制",
        "copied": "已复制",
        "embed": "嵌入",
        "embed_help": "把下面两行贴进你的网页或课件，就能在那里用这个小工具，停在现在的样子。",
        "embed_code": "嵌入代码",
        "embed_preview": "单独打开",
        "post_n": "第 {n} 条",
        "not_found_title": "这道菜不在菜单上",
        "model_line": "页面上的数字都来自正在运行的模型：{n_params} 个旋钮，{n_names} 套菜单。",
        "kitchen_busy": "厨房正忙，请过几秒再试。",
    },
    "en": {
        "site_name": "The Apprentice's Kitchen",
        "site_tagline": "How ChatGPT works, told as a kitchen story",
        "skip": "Skip to the story",
        "contents": "Contents",
        "cover": "Cover",
        "chapter_n": "Chapter {n}",
        "ending": "Ending",
        "thread": "The thread",
        "glossary": "Glossary",
        "video": "Video scripts",
        "in_chapter": " (chapter {n})",
        "term_where": "Explained and shown in: ",
        "term_where_only": "Explained in: ",
        "glossary_index": "All entries",
        "scene_n": "Scene {n}",
        "on_screen": "On screen: ",
        "narration": "Narration: ",
        "runtime": "Running time {length}, {n} scenes.",
        "runtime_one": "Running time {length}, {n} scene.",
        "prev": "Previous",
        "next": "Next",
        "other_lang": "中文",
        "other_lang_label": "阅读本页中文版",
        "copy": "Copy",
        "copied": "Copied",
        "embed": "Embed",
        "embed_help": "Paste these two lines into your own page or course notes to use this widget there, as it is set now.",
        "embed_code": "Embed code",
        "embed_preview": "Open on its own",
        "post_n": "Post {n}",
        "not_found_title": "That dish is not on the menu",
        "model_line": "Every number on these pages comes from the running model: {n_params} knobs, {n_names} menus.",
        "kitchen_busy": "The kitchen is busy; try again in a few seconds.",
    },
}

NOT_FOUND = {
    "zh": "找不到这一页。也许地址里有个错字。",
    "en": "There is no page at this address. Perhaps a letter slipped.",
}


def other(lang):
    """The other language."""
    return "en" if lang == "zh" else "zh"
