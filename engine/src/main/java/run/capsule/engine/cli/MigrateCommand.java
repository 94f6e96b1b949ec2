package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.store.JournalMigration;

import java.util.concurrent.Callable;

@Command(name = "migrate", mixinStandardHelpOptions = true, description = {
        "Migrates the journal's schema to this Capsule's version. A PostgreSQL journal of an older schema is only migrated",
        "by this command (nodes refuse it until then); see docs/operations.md for rolling upgrades."})
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--dry-run", description = "Print what would be migrated, change nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        JournalMigration.Report report = JournalMigration.migrate(cli.journalConfig(), dryRun);
        String from = report.from() < 0 ? "a new database" : "schema version " + report.from();
        if (!report.changed()) {
            cli.out.println("the journal is at schema version " + report.from() + ": nothing to migrate");
        } else {
            cli.out.println((dryRun ? "would migrate" : "migrated") + " the journal from " + from + " to schema version " + report.to()
                    + ": " + String.join(", ", report.applied()));
        }
        return CapsuleCli.OK;
    }
}
