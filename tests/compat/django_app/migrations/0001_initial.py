from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("country", models.CharField(default="", max_length=2)),
                ("born", models.IntegerField(null=True)),
            ],
            options={
                "indexes": [models.Index(fields=["country", "born"],
                                         name="library_author_country_born")],
            },
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("title", models.CharField(db_index=True, max_length=200)),
                ("pages", models.IntegerField(default=0)),
                ("edition", models.IntegerField(default=1)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("title", "edition"),
                                            name="library_book_title_edition"),
                    models.CheckConstraint(condition=models.Q(pages__gte=0),
                                           name="library_book_pages_gte_0"),
                ],
            },
        ),
    ]
