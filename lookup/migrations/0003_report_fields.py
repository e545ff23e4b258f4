# Written by hand: only the credit report's fields (the badge models have a migration of their own).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("lookup", "0001_reports_and_developer_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="creditreport",
            name="sha256",
            field=models.CharField(max_length=64, verbose_name="SHA-256 of the content"),
        ),
        migrations.AddField(
            model_name="creditreport",
            name="pdf_sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the PDF"),
        ),
        migrations.AddField(
            model_name="creditreport",
            name="content",
            field=models.JSONField(blank=True, default=dict, verbose_name="content"),
        ),
        migrations.AddField(
            model_name="creditreport",
            name="language",
            field=models.CharField(blank=True, max_length=8, verbose_name="language"),
        ),
    ]
