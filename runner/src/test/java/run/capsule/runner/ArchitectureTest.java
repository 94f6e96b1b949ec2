package run.capsule.runner;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner's package rules (docs/architecture.md, "The runner process"): the wasmtime-java binding, whose misuse
 * aborts the JVM, is used in {@code run.capsule.runner.sandbox} only, and none of its types appear in that package's
 * public signatures, so no binding object can leave it.
 */
class ArchitectureTest {
    private static final String BINDING = "io.github.kawamuray.wasmtime..";
    private static final String SANDBOX = "run.capsule.runner.sandbox..";
    private static JavaClasses runner;

    @BeforeAll
    static void importRunner() {
        runner = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("run.capsule.runner", "run.capsule.protocol");
    }

    @Test
    void importsTheWholeRunner() {
        assertThat(runner.containPackage("run.capsule.runner.sandbox")).isTrue();
        assertThat(runner.containPackage("run.capsule.runner.host")).isTrue();
        assertThat(runner.size()).isGreaterThan(50);
    }

    @Test
    void onlyTheSandboxPackageUsesTheBinding() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage(SANDBOX)
                .should().dependOnClassesThat().resideInAPackage(BINDING)
                .because("the binding's objects abort the JVM when misused, so one package owns them all");
        rule.check(runner);
    }

    @Test
    void noPublicSignatureOfTheSandboxNamesABindingType() {
        ArchRule rule = members().that(arePublicInAPublicClassOf(SANDBOX))
                .should(notNameABindingType())
                .because("a binding object handed out of the sandbox package could outlive its store");
        rule.check(runner);
    }

    @Test
    void theProtocolUsesJacksonOnly() {
        classes().that().resideInAPackage("run.capsule.protocol..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("run.capsule.protocol..", "java..", "com.fasterxml.jackson..")
                .check(runner);
    }

    @Test
    void theBinaryRewriterIsBytesInBytesOut() {
        classes().that().resideInAPackage("run.capsule.runner.wasm..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("run.capsule.runner.wasm..", "java..")
                .check(runner);
    }

    @Test
    void theHostOperationsKnowNoWebAssembly() {
        classes().that().resideInAPackage("run.capsule.runner.host..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("run.capsule.runner.host..", "run.capsule.protocol..",
                        "java..", "javax..", "com.fasterxml.jackson..", "org.slf4j..")
                .check(runner);
    }

    @Test
    void theGuestLanguagesDoNotReachIntoTheSandbox() {
        noClasses().that().resideInAPackage("run.capsule.runner.guest..")
                .should().dependOnClassesThat().resideInAPackage(SANDBOX)
                .check(runner);
    }

    private static DescribedPredicate<JavaMember> arePublicInAPublicClassOf(String packageIdentifier) {
        return DescribedPredicate.describe("are public members of public classes in " + packageIdentifier, member ->
                member.getModifiers().contains(JavaModifier.PUBLIC)
                        && isPublicAllTheWayOut(member.getOwner())
                        && member.getOwner().getPackageName().startsWith(packageIdentifier.replace("..", "")));
    }

    private static boolean isPublicAllTheWayOut(JavaClass type) {
        for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null)) {
            if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static ArchCondition<JavaMember> notNameABindingType() {
        return new ArchCondition<>("not name a wasmtime-java type in its signature") {
            @Override
            public void check(JavaMember member, ConditionEvents events) {
                Set<JavaClass> named = new HashSet<>();
                if (member instanceof JavaCodeUnit codeUnit) {
                    named.addAll(codeUnit.getAllInvolvedRawTypes());
                    named.addAll(codeUnit.getThrowsClause().getTypes());
                } else if (member instanceof JavaField field) {
                    named.addAll(field.getType().getAllInvolvedRawTypes());
                }
                for (JavaClass type : named) {
                    JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
                    if (base.getPackageName().startsWith(BINDING.replace("..", ""))) {
                        events.add(SimpleConditionEvent.violated(member, member.getFullName() + " names " + base.getName()));
                    }
                }
            }
        };
    }
}
