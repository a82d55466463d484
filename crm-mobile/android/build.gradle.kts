// crm-mobile as an Android library (AAR): `gradle -p crm-mobile/android assembleRelease` after
// `bash crm-mobile/build-android.sh`, which writes the generated Kotlin (src/main/kotlin) and the
// libraries of arm64-v8a, armeabi-v7a and x86_64 (src/main/jniLibs/<abi>/libcrm_mobile.so).
// Tested with Gradle 8.11 and JDK 17 on paper only: this machine has no Android SDK.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.0"
    `maven-publish`
}

group = "dev.crm"
version = "0.1.0"

android {
    namespace = "dev.crm"
    compileSdk = 35

    defaultConfig {
        // The bindings use java.time (Instant, LocalDate, Duration): API 26, or core library
        // desugaring (coreLibraryDesugaring "com.android.tools:desugar_jdk_libs") below that.
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated Kotlin calls the native library through JNA; the AAR carries JNA's own
    // native part (libjnidispatch.so) for every ABI.
    api("net.java.dev.jna:jna:5.15.0@aar")
    // AsyncCrm's suspend functions.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    // @RequiresApi in the Android variant of the generated object cleaner.
    implementation("androidx.annotation:annotation:1.9.1")
}

publishing {
    publications {
        register<MavenPublication>("release") {
            artifactId = "crm-mobile"
            afterEvaluate { from(components["release"]) }
        }
    }
}
