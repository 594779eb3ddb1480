"""The ``lam`` command: one typer app, one file per command group."""

from __future__ import annotations

import typer

from lam_models.cli import alerts, categories, demo, kafka, labels, model, monitor, pipeline, produce, recsys, report, robustness, setup, topics, train

app = typer.Typer(help="lam-pipelines: financial sentiment monitoring and hybrid recommendations on Kafka + Spark.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
app.add_typer(setup.app, name="setup")
app.add_typer(kafka.app, name="kafka")
app.add_typer(produce.app, name="produce")
app.add_typer(alerts.app, name="alerts")
app.add_typer(monitor.app, name="monitor")
app.command("ingest")(pipeline.ingest)
app.command("score")(pipeline.score)
app.command("demo")(demo.demo)
app.command("report")(report.report)
app.command("recommend")(recsys.recommend)
app.add_typer(recsys.eval_app, name="eval")
app.add_typer(train.train_app, name="train")
app.add_typer(model.app, name="model")
train.train_app.command("categories")(categories.train_categories)
train.train_app.command("item-text")(recsys.train_item_text)
recsys.eval_app.command("categories")(categories.eval_categories)
recsys.eval_app.command("topics")(topics.eval_topics)
recsys.eval_app.command("robustness")(robustness.eval_robustness)
app.add_typer(topics.app, name="topics")
app.add_typer(labels.app, name="labels")
