"""Search by part of a name through an index on its characters; pinyin in byte order, surnames
read as surnames.

The trigram index answered a search of three characters or more; one or two (王, 张三) read the
whole table. An index on the name's characters (members.models.NameCharacters) answers any
length and is a quarter of the trigram index's size. The pinyin column compares bytewise, so
that one index serves the pinyin sort, its ranges and its LIKE prefixes; and every member's
pinyin is recomputed, since surnames such as 曾 and 单 now read zeng and shan.
"""

import dangjian.core.fields
from django.db import migrations, models

from dangjian.core import pinyin

CHARACTERS_INDEX = (
    "CREATE INDEX IF NOT EXISTS member_name_characters ON members_member USING gin "
    "((array_prepend('^' || left(name, 1), string_to_array(substr(name, 2), NULL))))"
)
TRIGRAM_INDEX = "CREATE INDEX IF NOT EXISTS member_name_trigram ON members_member USING gin (name gin_trgm_ops)"
BATCH = 5000


def index_characters(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS member_name_trigram")
        schema_editor.execute(CHARACTERS_INDEX)
        # The planner needs the new expression's statistics to tell a common character from a rare one.
        schema_editor.execute("ANALYZE members_member")


def index_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS member_name_characters")
        schema_editor.execute(TRIGRAM_INDEX)


def read_surnames_as_surnames(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    rows = Member.objects.using(schema_editor.connection.alias).values_list("pk", "name", "name_pinyin",
                                                                            "name_initials")
    changed = []
    for pk, name, old_pinyin, old_initials in rows.iterator(chunk_size=BATCH):
        new_pinyin, new_initials = pinyin.person_name_pinyin(name), pinyin.person_name_initials(name)
        if (new_pinyin, new_initials) != (old_pinyin, old_initials):
            changed.append(Member(pk=pk, name_pinyin=new_pinyin, name_initials=new_initials))
    Member.objects.using(schema_editor.connection.alias).bulk_update(changed, ["name_pinyin", "name_initials"],
                                                                     batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0009_drop_unread_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='member',
            name='member_current_pinyin',
        ),
        migrations.RemoveIndex(
            model_name='member',
            name='member_pinyin_prefix',
        ),
        migrations.AlterField(
            model_name='member',
            name='name_pinyin',
            field=dangjian.core.fields.BytewiseCharField(blank=True, max_length=200, verbose_name='pinyin'),
        ),
        migrations.RunPython(read_surnames_as_surnames, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['name_pinyin', 'id'], name='member_pinyin'),
        ),
        migrations.RunPython(index_characters, index_trigrams),
    ]
