package run.capsule.engine;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's package rules (docs/architecture.md): one package per concept, no cycles between them, the facade
 * ({@code run.capsule.engine}) on top, the task's values ({@code engine.spec}) at the bottom, and no WebAssembly binding.
 */
class EngineArchitectureTest {
    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("run.capsule.engine");
    }

    @Test
    void importsTheWholeEngine() {
        assertThat(engine.containPackage("run.capsule.engine.execution")).isTrue();
        assertThat(engine.size()).isGreaterThan(60);
    }

    @Test
    void thePackagesHaveNoCycles() {
        slices().matching("run.capsule.(**)").should().beFreeOfCycles().check(engine);
    }

    @Test
    void onlyTheFacadeAndTheCommandLineUseTheFacade() {
        noClasses().that().resideOutsideOfPackages("run.capsule.engine", "run.capsule.engine.cli..")
                .should().dependOnClassesThat().resideInAPackage("run.capsule.engine")
                .because("the engine's parts are assembled by Capsule, not the other way round")
                .check(engine);
    }

    @Test
    void theTaskValuesDependOnNoOtherPartOfTheEngine() {
        noClasses().that().resideInAPackage("run.capsule.engine.spec..")
                .should().dependOnClassesThat().resideInAnyPackage("run.capsule.engine", "run.capsule.engine.execution..",
                        "run.capsule.engine.calls..", "run.capsule.engine.node..", "run.capsule.engine.queue..",
                        "run.capsule.engine.programs..", "run.capsule.engine.pool..", "run.capsule.engine.cli..")
                .check(engine);
    }

    @Test
    void theEngineNeverTouchesTheWebAssemblyBinding() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.github.kawamuray.wasmtime..", "run.capsule.runner.sandbox..")
                .check(engine);
    }
}
