/// Builds the syntax tree from tokens by recursive descent, one function per precedence
/// level of LANGUAGE.md.
///
/// Newlines end statements; inside `( )` and `[ ]` they do not. A nesting limit turns
/// pathological input (10,000 nested parentheses) into a SyntaxError instead of a stack
/// overflow.
public struct Parser {
    /// How deeply brackets, blocks and operators may nest.
    public static let maxNesting = 256

    private var tokens: [Token]
    private var p = 0
    private let source: Source
    private var depth = 0
    /// Whether a newline ends the current expression: true in blocks, false in ( ) and [ ].
    private var newlinesMatter: [Bool] = [true]
    /// False while parsing the condition of `if`/`while`/`guard` or the sequence of `for`.
    private var trailingClosuresAllowed: [Bool] = [true]
    /// Per closure being parsed without a parameter list: the highest `$n` seen, or -1.
    private var shorthandStack: [Int] = []
    /// The declared return type of each function and closure being parsed, innermost last
    /// (nil where none converts).
    private var returnTypes: [DeclaredType?] = []
    /// The declarations after the first of a `let a = 1, b = 2`, for `parseStatements`.
    private var followingDeclarations: [Stmt] = []

    public init(tokens: [Token], source: Source) {
        self.tokens = tokens
        self.source = source
    }

    /// Lexes and parses a whole cell.
    static func parse(_ source: Source) throws -> [Stmt] {
        // The lexer's copy of the text takes four bytes a byte, and tokens and the tree more:
        // a cell larger than memory can hold that way is a MemoryError, not an abort.
        try MemoryBudget.reserve(source.text.utf8.count, bytesEach: 8, "a cell of \(source.text.utf8.count) bytes")
        var lexer = Lexer(source.text, source: source)
        var parser = Parser(tokens: try lexer.tokenize(), source: source)
        return try parser.parseProgram()
    }

    mutating func parseProgram() throws -> [Stmt] {
        var stmts: [Stmt] = []
        while true {
            skipSemicolons()
            if peek.isEnd { break }
            stmts.append(contentsOf: try parseStatements())
            try endStatement()
        }
        return stmts
    }

    // MARK: Token helpers

    private var peek: Token { tokens[p] }
    private func peekAt(_ k: Int) -> Token { tokens[min(p + k, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[p]
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    private mutating func match(_ punct: String) -> Bool {
        if peek.isPunct(punct) { advance(); return true }
        return false
    }

    private func error(_ message: String, at token: Token? = nil) -> ScriptError {
        let t = token ?? peek
        var e = ScriptError(.syntax, message, at: t.location, in: source)
        e.atEndOfInput = t.isEnd
        return e
    }

    private mutating func expect(_ punct: String, _ what: String) throws -> Token {
        guard peek.isPunct(punct) else {
            throw error("expected '\(punct)' \(what), found \(peek.spelling)")
        }
        return advance()
    }

    private mutating func expectIdentifier(_ what: String) throws -> (String, SourceLocation) {
        guard case .identifier(let name) = peek.kind else {
            if case .keyword(let k) = peek.kind {
                throw error("'\(k.rawValue)' is a keyword and cannot be used as \(what)")
            }
            throw error("expected \(what), found \(peek.spelling)")
        }
        let t = advance()
        return (name, t.location)
    }

    private mutating func skipSemicolons() { while match(";") {} }

    private mutating func endStatement() throws {
        if peek.isPunct(";") { skipSemicolons(); return }
        if peek.newlineBefore || peek.isEnd || peek.isPunct("}") { return }
        throw error("expected the end of the statement before \(peek.spelling); put statements on separate lines or separate them with ';'")
    }

    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxNesting {
            throw error("too deeply nested: more than \(Parser.maxNesting) levels of brackets, blocks or operators; split the expression into named parts")
        }
        return try body(&self)
    }

    private mutating func withNewlines<T>(_ matter: Bool, _ body: (inout Parser) throws -> T) rethrows -> T {
        newlinesMatter.append(matter)
        defer { newlinesMatter.removeLast() }
        return try body(&self)
    }

    private mutating func withTrailingClosures<T>(_ allowed: Bool, _ body: (inout Parser) throws -> T) rethrows -> T {
        trailingClosuresAllowed.append(allowed)
        defer { trailingClosuresAllowed.removeLast() }
        return try body(&self)
    }

    /// True when `peek` continues the current expression rather than starting a new statement.
    private var onSameLogicalLine: Bool { !peek.newlineBefore || !newlinesMatter.last! }

    // MARK: Statements

    mutating func parseStatement() throws -> Stmt {
        try nested { parser in try parser.parseStatementInner() }
    }

    private mutating func parseStatementInner() throws -> Stmt {
        let t = peek
        // `outer: for ...`: a label, for a `break outer` or `continue outer` inside.
        if case .identifier(let name) = t.kind, peekAt(1).isPunct(":"), !peekAt(1).newlineBefore, startsLabelledStatement(peekAt(2)) {
            advance(); advance()
            guard let labelled = try parseStatementInner() as? LabelledStmt else {
                throw error("a label names a loop or a switch, as in: outer: for x in xs { ... break outer }", at: t)
            }
            labelled.label = name
            return labelled
        }
        switch t.kind {
        case .keyword(.let), .keyword(.var):
            advance()
            let first = try parseBinding(t)
            // `let a = 1, b = 2`: the others come after this statement, in order.
            while peek.isPunct(",") && !peek.newlineBefore {
                advance()
                followingDeclarations.append(try parseBinding(t))
            }
            return first
        case .keyword(.func):
            advance()
            let (name, nameLoc) = try expectIdentifier("a function name")
            let fn = try parseFunctionRest(name: name, location: nameLoc)
            return FuncDeclStmt(fn, t.location)
        case .keyword(.if):
            return try parseIf()
        case .keyword(.guard):
            advance()
            let cond = try parseConditions()
            guard peek.isKeyword(.else) else { throw error("expected 'else' after the guard condition") }
            advance()
            let body = try parseBlock("of the guard's else")
            if !Parser.exits(body) {
                throw error("the 'else' of a guard must leave the scope: end it with return, break, continue or throw", at: t)
            }
            return GuardStmt(cond, body, t.location)
        case .keyword(.for):
            advance()
            let pattern = try parsePattern()
            guard peek.isKeyword(.in) else { throw error("expected 'in' after the loop variable, as in: for x in xs { ... }") }
            advance()
            let seq = try withTrailingClosures(false) { try $0.parseExpression() }
            // `for x in xs where x > 0 { ... }` runs the body only where the clause holds, as in Swift.
            var filter: Expr? = nil
            if case .identifier("where") = peek.kind {
                advance()
                filter = try withTrailingClosures(false) { try $0.parseExpression() }
            }
            var body = try parseBlock("of the for loop")
            if let filter { body = [IfStmt(filter, body, nil, filter.location)] }
            return ForStmt(pattern, seq, body, t.location)
        case .keyword(.while):
            advance()
            let cond = try parseConditions()
            let body = try parseBlock("of the while loop")
            return WhileStmt(cond, body, t.location)
        case .identifier("switch") where !peekAt(1).isPunct("=") && !(peekAt(1).isPunct(".") && !peekAt(1).spaceBefore)
                                         && !peekAt(1).newlineBefore:
            return try parseSwitch()
        case .identifier("import") where Parser.isName(peekAt(1)) && !peekAt(1).newlineBefore:
            // `import Foundation` heads Swift scripts: what it brings, the prelude has.
            advance()
            let module = advance()
            guard case .identifier(let name) = module.kind, Parser.swiftModules.contains(name) else {
                throw error("there are no imports: every session has the whole prelude already (%help lists it), and no module \(module.spelling)", at: t)
            }
            return ExpressionStmt(LiteralExpr(.nil, t.location))
        case .identifier(let word) where Parser.typeDeclarations.contains(word) && Parser.isName(peekAt(1)) && !peekAt(1).newlineBefore:
            if word == "enum" { throw error("there are no enum declarations: name the cases with symbols (.red, .green) or Strings", at: t) }
            throw error("there are no \(word) declarations: keep a record in a Dict ([\"x\": 1, \"y\": 2]) or a tuple, and what it does in functions", at: t)
        case .identifier("def") where Parser.isName(peekAt(1)) && !peekAt(1).newlineBefore && peekAt(2).isPunct("("):
            let name = { if case .identifier(let n) = $0 { return n }; return "f" }(peekAt(1).kind)
            throw error("Tessera reads like Swift: write func \(name)(_ x) { ... } (Python's def and a colon)")
        case .identifier("defer") where peekAt(1).isPunct("{"):
            throw error("there is no defer: put the clean-up after the work, or in a catch that does it and throws the error again", at: t)
        case .identifier("do") where peekAt(1).isPunct("{"):
            return try parseDo()
        case .identifier("try") where peekAt(1).isPunct(":") && !peekAt(1).newlineBefore:
            throw error("Tessera reads like Swift: write do { try f() } catch { print(error) } (Python's try: and except:)")
        case .identifier("catch") where Parser.startsCatch(peekAt(1)):
            throw error("'catch' without a 'do'; write do { ... } catch { ... }")
        case .identifier("repeat") where peekAt(1).isPunct("{"):
            // `repeat { ... } while condition`, as in Swift.
            advance()
            let body = try parseBlock("of the repeat loop")
            guard peek.isKeyword(.while) else { throw error("expected 'while' and a condition after the body of 'repeat'") }
            advance()
            let cond = try withTrailingClosures(false) { try $0.parseExpression() }
            return WhileStmt(cond, body, bodyFirst: true, t.location)
        case .keyword(.return):
            advance()
            if peek.newlineBefore || peek.isEnd || peek.isPunct("}") || peek.isPunct(";") {
                return ReturnStmt(nil, t.location)
            }
            let value = try parseExpression()
            // `-> Double` converts what each return gives, as Swift's literal would be typed.
            if let returns = returnTypes.last ?? nil { return ReturnStmt(ConvertedExpr(value, returns), t.location) }
            return ReturnStmt(value, t.location)
        case .keyword(.break):
            advance(); return BreakStmt(label: loopLabel(), t.location)
        case .keyword(.continue):
            advance(); return ContinueStmt(label: loopLabel(), t.location)
        case .keyword(.throw):
            advance()
            return ThrowStmt(try parseExpression(), t.location)
        case .keyword(.else):
            throw error("'else' without an 'if'")
        case .keyword(.in):
            throw error("'in' outside a for loop or closure")
        default:
            return ExpressionStmt(try parseExpression())
        }
    }

    /// Swift's own modules, whose `import` is a no-op here.
    static let swiftModules: Set<String> = ["Foundation", "Swift", "Dispatch", "Darwin", "Glibc", "FoundationEssentials"]

    /// Swift's type declarations, which the language has not.
    static let typeDeclarations: Set<String> = ["struct", "class", "enum", "protocol", "extension", "actor"]

    static func isName(_ t: Token) -> Bool { if case .identifier = t.kind { return true }; return false }

    /// One binding of a `let` or `var` (`t`): a name or tuple pattern, its annotation and value.
    private mutating func parseBinding(_ t: Token) throws -> Stmt {
        let pattern = try parsePattern()
        // `let s: Set = [1, 2]`: the literal made a Set, as Swift's type makes it.
        let declaresSet = peek.isPunct(":") && peekAt(1).isWord("Set")
        // (A tuple pattern's annotation is read, not converted.)
        var declared = try parseTypeAnnotation()
        if case .tuple = pattern { declared = nil }
        var initializer: Expr? = nil
        if match("=") {
            let value = try parseExpression()
            initializer = declared.map { ConvertedExpr(value, $0) } ?? value
            if declaresSet { initializer = CallExpr(IdentifierExpr("Set", value.location), [Argument(label: nil, value: value)], optional: false, value.location) }
        } else if t.isKeyword(.let) {
            throw error("a 'let' needs a value: let name = value")
        }
        if initializer == nil, case .tuple = pattern {
            throw error("a tuple pattern needs a value to destructure")
        }
        return VarDeclStmt(pattern, isConstant: t.isKeyword(.let), initializer, declaredType: declared, t.location)
    }

    /// One statement, or several where one line declares several names (`var a = 1, b = 2`).
    mutating func parseStatements() throws -> [Stmt] {
        let first = try parseStatement()
        guard !followingDeclarations.isEmpty else { return [first] }
        defer { followingDeclarations = [] }
        return [first] + followingDeclarations
    }

    /// Whether `t` starts a statement a label may name: a loop or a switch.
    private func startsLabelledStatement(_ t: Token) -> Bool {
        t.isKeyword(.for) || t.isKeyword(.while) || t.isWord("repeat") || t.isWord("switch")
    }

    /// The label after `break` or `continue` on the same line, if there is one.
    private mutating func loopLabel() -> String? {
        guard case .identifier(let name) = peek.kind, !peek.newlineBefore else { return nil }
        advance()
        return name
    }

    /// `do { ... } catch let e where ... { ... } catch { ... }`, as in Swift.
    private mutating func parseDo() throws -> Stmt {
        let t = advance()
        let body = try parseBlock("of the do")
        var clauses: [CatchClause] = []
        if peek.isWord("except") || peek.isWord("finally") {
            throw error("Tessera reads like Swift: write catch { ... } after the do's body (the caught error is named error there); there is no finally")
        }
        while peek.isWord("catch"), Parser.startsCatch(peekAt(1)) {
            let c = advance()
            var pattern = Pattern.name("error", c.location, .unresolved)
            var constant = true
            if peek.isKeyword(.let) || peek.isKeyword(.var) {
                constant = advance().isKeyword(.let)
                guard case .identifier = peek.kind else { throw error("expected a name for the error after '\(constant ? "let" : "var")', as in: catch let e { ... }") }
                pattern = try parsePattern()
            } else if peek.isWord("_") {
                advance()
                pattern = .wildcard
            }
            if peek.isWord("as") || peek.isWord("is") {
                throw error("errors have no types to match here; test the kind instead: catch where error.kind == \"KeyError\" { ... }")
            }
            var clause: Expr? = nil
            if peek.isWord("where") {
                advance()
                clause = try withTrailingClosures(false) { try $0.parseExpression() }
            }
            let handler = try parseBlock("of the catch")
            clauses.append(CatchClause(pattern, isConstant: constant, where: clause, handler, c.location))
        }
        return DoStmt(body, clauses, t.location)
    }

    /// Whether `next`, after the word `catch`, begins a catch clause (and not an expression
    /// on a variable named `catch`).
    private static func startsCatch(_ next: Token) -> Bool {
        next.isPunct("{") || next.isKeyword(.let) || next.isKeyword(.var) || next.isWord("_") || next.isWord("where")
            || next.isWord("as") || next.isWord("is")
    }

    private mutating func parseSwitch() throws -> Stmt {
        let t = advance()
        let subject = try withTrailingClosures(false) { try $0.parseExpression() }
        let open = try expect("{", "to start the cases of the switch")
        var cases: [SwitchStmt.Case] = []
        var otherwise: [Stmt]? = nil
        try nested { parser in
            try parser.withNewlines(true) { parser in
                while true {
                    parser.skipSemicolons()
                    if parser.match("}") { return }
                    let label = parser.peek
                    if case .identifier("case") = label.kind {
                        parser.advance()
                        var items: [CaseItem] = []
                        try parser.withNewlines(false) { parser in
                            repeat {
                                let start = parser.peek
                                let at = start.location
                                let pattern = try parser.parseCasePattern()
                                var clause: Expr? = nil
                                if parser.peek.isWord("where") {
                                    parser.advance()
                                    clause = try parser.parseExpression()
                                }
                                // As in Swift: a name bound once an item, and the same names by every item.
                                let names = pattern.names
                                if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                                    throw parser.error("'\(twice)' is bound twice in one pattern", at: start)
                                }
                                if let earlier = items.first?.pattern.names, Set(earlier) != Set(names) {
                                    func listed(_ ns: [String]) -> String { ns.isEmpty ? "none" : ns.joined(separator: ", ") }
                                    throw parser.error("every pattern of a case must bind the same names: one binds \(listed(earlier)), this one \(listed(names)); split the case in two", at: start)
                                }
                                items.append(CaseItem(pattern, where: clause, at))
                            } while parser.match(",")
                        }
                        _ = try parser.expect(":", "after the case's patterns")
                        cases.append(SwitchStmt.Case(items: items, body: try parser.caseBody(label)))
                    } else if case .identifier("default") = label.kind, parser.peekAt(1).isPunct(":") {
                        parser.advance(); parser.advance()
                        guard otherwise == nil else { throw parser.error("a switch has one default", at: label) }
                        otherwise = try parser.caseBody(label)
                    } else if parser.peek.isEnd {
                        throw parser.error("expected '}' to close the switch opened at \(open.location)")
                    } else {
                        throw parser.error("expected 'case' or 'default' in the switch, found \(parser.peek.spelling)")
                    }
                }
            }
        }
        return SwitchStmt(subject, cases, otherwise, t.location)
    }

    /// A case's pattern: `let x` (or `let (a, b)`), `_`, a tuple of patterns, or a value
    /// (an expression: compared with `==`, a range by membership).
    private mutating func parseCasePattern() throws -> CasePattern {
        try nested { parser in
            if parser.peek.isKeyword(.let) || parser.peek.isKeyword(.var) {
                let constant = parser.advance().isKeyword(.let)
                let pattern = try parser.parseBindingPattern(constant: constant)
                // `case let n as Int:`
                if parser.peek.isWord("as") { let a = parser.advance(); return .cast(pattern, try parser.castTarget(after: a), a.location) }
                return pattern
            }
            // `case is String:`
            if parser.peek.isWord("is") { let t = parser.advance(); return .cast(.wildcard, try parser.castTarget(after: t), t.location) }
            if case .identifier("_") = parser.peek.kind { parser.advance(); return .wildcard }
            if parser.peek.isPunct("(") {
                // A tuple of patterns when what follows its `)` ends the pattern; otherwise the
                // parenthesis opened an expression (`case (a + b) * 2:`), parsed again as one.
                let saved = parser
                parser.advance()
                let at = parser.peek.location
                if let items = try? parser.withNewlines(false, { parser -> [CasePattern] in
                    var items: [CasePattern] = []
                    repeat { items.append(try parser.parseCasePattern()) } while parser.match(",")
                    _ = try parser.expect(")", "to close the tuple pattern")
                    return items
                }), parser.peek.isPunct(":") || parser.peek.isPunct(",") || parser.peek.isPunct(")") || parser.peek.isWord("where") {
                    return items.count == 1 ? items[0] : .tuple(items, at)
                }
                parser = saved
            }
            // Swift's one-sided ranges: `case ..<0:`, `case ...9:`, `case 10...:`.
            if parser.peek.isPunct("..<") || parser.peek.isPunct("...") {
                let op = parser.advance()
                let bound = try parser.parseBinary(level: Parser.rangeLevel + 1)
                return .value(PartialRangeExpr(op.isPunct("..<") ? "<" : "<=", bound, op.location))
            }
            let value = try parser.parseExpression()
            if parser.peek.isPunct("...") {
                let op = parser.advance()
                return .value(PartialRangeExpr(">=", value, op.location))
            }
            return .value(value)
        }
    }

    /// After `let` or `var` in a case: a name, `_`, or a tuple of them.
    private mutating func parseBindingPattern(constant: Bool) throws -> CasePattern {
        try nested { parser in
            if parser.match("(") {
                let at = parser.peek.location
                var items: [CasePattern] = []
                repeat { items.append(try parser.parseBindingPattern(constant: constant)) } while parser.match(",")
                _ = try parser.expect(")", "to close the tuple pattern")
                return items.count == 1 ? items[0] : .tuple(items, at)
            }
            let (name, at) = try parser.expectIdentifier("a name to bind, as in: case let x where x > 0")
            if name == "_" { return .wildcard }
            return .bind(name, at, .unresolved, isConstant: constant)
        }
    }

    /// A case's statements, up to the next `case`, `default:` or the switch's `}`.
    private mutating func caseBody(_ label: Token) throws -> [Stmt] {
        var stmts: [Stmt] = []
        try withTrailingClosures(true) { parser in
            while true {
                parser.skipSemicolons()
                let t = parser.peek
                if t.isPunct("}") || t.isEnd { break }
                if case .identifier("case") = t.kind { break }
                if case .identifier("default") = t.kind, parser.peekAt(1).isPunct(":") { break }
                stmts.append(contentsOf: try parser.parseStatements())
                try parser.endStatement()
            }
        }
        if stmts.isEmpty { throw error("a case needs at least one statement; write break to do nothing", at: label) }
        return stmts
    }

    private static func exits(_ body: [Stmt]) -> Bool {
        guard let last = body.last else { return false }
        if last is ReturnStmt || last is BreakStmt || last is ContinueStmt || last is ThrowStmt { return true }
        // Swift's Never-returning stops (the prelude's fatalError raises an error).
        if let e = last as? ExpressionStmt, let call = e.expr as? CallExpr, let f = call.callee as? IdentifierExpr,
           f.name == "fatalError" { return true }
        if let i = last as? IfStmt, let e = i.otherwise { return exits(i.then) && exits(e) }
        return false
    }

    /// The condition of `if`, `guard` and `while`: one expression, or clauses separated by
    /// commas, each an expression or a binding (`let x = value`, or `let x` for `let x = x`).
    private mutating func parseConditions() throws -> Expr {
        let start = peek.location
        var clauses: [Expr] = []
        repeat {
            guard peek.isKeyword(.let) || peek.isKeyword(.var) else {
                clauses.append(try withTrailingClosures(false) { try $0.parseExpression() })
                continue
            }
            let t = advance()
            let (name, at) = try expectIdentifier("a name to bind, as in: if let x = value")
            _ = try parseTypeAnnotation()
            let value: Expr = match("=") ? try withTrailingClosures(false) { try $0.parseExpression() } : IdentifierExpr(name, at)
            clauses.append(BindingCondition(name == "_" ? .wildcard : .name(name, at, .unresolved), value,
                                            isConstant: t.isKeyword(.let), t.location))
        } while match(",")
        if clauses.count == 1, !(clauses[0] is BindingCondition) { return clauses[0] }
        return ConditionList(clauses, start)
    }

    private mutating func parseIf() throws -> Stmt {
        let t = advance()
        let cond = try parseConditions()
        let then = try parseBlock("of the if")
        var otherwise: [Stmt]? = nil
        if peek.isKeyword(.else) {
            advance()
            if peek.isKeyword(.if) {
                otherwise = [try nested { try $0.parseIf() }]
            } else {
                otherwise = try parseBlock("of the else")
            }
        }
        return IfStmt(cond, then, otherwise, t.location)
    }

    private mutating func parseBlock(_ what: String) throws -> [Stmt] {
        let open = peek
        guard open.isPunct("{") else { throw error("expected '{' to start the body \(what), found \(peek.spelling)") }
        advance()
        return try statementsUntilBrace("to close the '{' at \(open.location)")
    }

    /// Statements up to the `}` that closes a block or closure whose `{` was consumed.
    private mutating func statementsUntilBrace(_ closing: String) throws -> [Stmt] {
        try nested { parser in
            try parser.withNewlines(true) { parser in
                try parser.withTrailingClosures(true) { parser in
                    var stmts: [Stmt] = []
                    while true {
                        parser.skipSemicolons()
                        if parser.peek.isPunct("}") { parser.advance(); return stmts }
                        if parser.peek.isEnd { throw parser.error("expected '}' \(closing)") }
                        stmts.append(contentsOf: try parser.parseStatements())
                        try parser.endStatement()
                    }
                }
            }
        }
    }

    private mutating func parsePattern() throws -> Pattern {
        let t = peek
        if case .identifier(let name) = t.kind {
            advance()
            return name == "_" ? .wildcard : .name(name, t.location, .unresolved)
        }
        if t.isPunct("(") {
            advance()
            var items: [Pattern] = []
            repeat {
                if peek.isPunct(")") { break }
                items.append(try nested { try $0.parsePattern() })
            } while match(",")
            _ = try expect(")", "to close the tuple pattern")
            return .tuple(items, t.location)
        }
        if case .keyword(let k) = t.kind {
            throw error("'\(k.rawValue)' is a keyword and cannot be used as a name")
        }
        throw error("expected a name or a tuple of names, found \(t.spelling)")
    }

    /// Reads a Swift type annotation (`: Int`, `: [String: Double]`): the language is
    /// dynamically typed, but code copied from Swift should still read, and give Swift's
    /// answers where a Double is declared (see DeclaredType).
    private mutating func parseTypeAnnotation() throws -> DeclaredType? {
        match(":") ? try parseType() : nil
    }

    /// A type, and what it asks of a value (nil: nothing).
    private mutating func parseType(depth: Int = 0) throws -> DeclaredType? {
        try nested { parser in
            var declared: DeclaredType?
            if parser.match("[") {
                let first = try parser.parseType(depth: depth + 1)
                if parser.match(":") {
                    declared = try parser.parseType(depth: depth + 1).map { .dictionary($0) }
                } else {
                    declared = first.map { .array($0) }
                }
                _ = try parser.expect("]", "to close the type")
            } else if parser.match("(") {
                var labels: [String?] = [], elements: [DeclaredType?] = []
                if !parser.peek.isPunct(")") {
                    repeat {
                        // `(min: Int, max: Int)`: the labels a tuple stored as this type gets.
                        if case .identifier(let label) = parser.peek.kind, parser.peekAt(1).isPunct(":") {
                            parser.advance(); parser.advance()
                            labels.append(label)
                        } else {
                            labels.append(nil)
                        }
                        elements.append(try parser.parseType(depth: depth + 1))
                    } while parser.match(",")
                }
                _ = try parser.expect(")", "to close the type")
                parser.skipThrows()
                if parser.match("->") {   // a function type: (Int) -> Int
                    _ = try parser.parseType(depth: depth + 1)
                } else if elements.count == 1 {
                    declared = elements[0]   // `(Double)` is Double
                } else if labels.contains(where: { $0 != nil }) || elements.contains(where: { $0 != nil }) {
                    declared = .tuple(labels: labels, elements: elements)
                }
            } else {
                let (name, at) = try parser.expectIdentifier("a type name")
                if name == "inout" {
                    throw ScriptError(.syntax, "there is no inout: return the new value and assign it, as in: x = adjusted(x)", at: at, in: parser.source)
                }
                if parser.peek.isPunct("<") && !parser.peek.spaceBefore {
                    parser.advance()
                    var arguments: [DeclaredType?] = []
                    repeat { arguments.append(try parser.parseType(depth: depth + 1)) } while parser.match(",")
                    _ = try parser.expect(">", "to close the generic type")
                    // Swift's long spellings: Array<Double>, Dictionary<String, Double>.
                    if name == "Array", arguments.count == 1 { declared = arguments[0].map { .array($0) } }
                    if name == "Dictionary", arguments.count == 2 { declared = arguments[1].map { .dictionary($0) } }
                } else if DeclaredType.doubleNames.contains(name) {
                    declared = .double
                }
            }
            while !parser.peek.spaceBefore && (parser.peek.isPunct("?") || parser.peek.isPunct("!")) { parser.advance() }
            // (Nested deeper than an Operand holds: read, not converted.)
            return depth < DeclaredType.deepest ? declared : nil
        }
    }

    private mutating func parseFunctionRest(name: String, location: SourceLocation) throws -> FunctionDecl {
        _ = try expect("(", "to start the parameter list of '\(name)'")
        var params: [ParameterDecl] = []
        try withNewlines(false) { parser in
            while !parser.peek.isPunct(")") {
                params.append(try parser.parseParameter())
                if !parser.match(",") { break }
            }
        }
        _ = try expect(")", "to close the parameter list of '\(name)'")
        skipThrows()
        let returns = match("->") ? try parseType() : nil
        var seen = Set<String>()
        for prm in params where !seen.insert(prm.name).inserted {
            throw ScriptError(.syntax, "parameter '\(prm.name)' is declared twice", at: prm.location, in: source)
        }
        returnTypes.append(returns)
        defer { returnTypes.removeLast() }
        var body = try parseBlock("of '\(name)'")
        if let returns, body.count == 1, let e = body[0] as? ExpressionStmt { body[0] = ExpressionStmt(ConvertedExpr(e.expr, returns)) }
        // A body that is one expression returns it, as in Swift: `func area() { w * h }`.
        return FunctionDecl(name: name, parameters: params, body: body,
                            isExpressionBody: body.count == 1 && body[0] is ExpressionStmt,
                            isClosure: false, location: location)
    }

    private mutating func parseParameter() throws -> ParameterDecl {
        let t = peek
        guard case .identifier(let first) = t.kind else {
            throw error("expected a parameter name, found \(t.spelling)")
        }
        advance()
        var label: String? = first
        var name = first
        var loc = t.location
        if case .identifier(let second) = peek.kind {
            loc = peek.location
            advance()
            name = second
            label = first == "_" ? nil : first
        } else if first == "_" {
            throw error("expected a parameter name after '_'")
        }
        let declared = try parseTypeAnnotation()
        if peek.isPunct("...") && !peek.spaceBefore {
            throw error("there are no variadic parameters: take an Array, as in func total(_ xs: [Int]), and call total([1, 2, 3])")
        }
        var dflt: Expr? = nil
        if match("=") { dflt = try parseExpression() }
        return ParameterDecl(label: label, name: name, defaultValue: dflt, location: loc, declaredType: declared)
    }

    // MARK: Expressions

    mutating func parseExpression() throws -> Expr {
        try nested { try $0.parseAssignment() }
    }

    private static let assignmentOps: Set<String> = ["=", "+=", "-=", "*=", "/=", "%=", "**="]

    private mutating func parseAssignment() throws -> Expr {
        let lhs = try parseTernary()
        if case .punct(let op) = peek.kind, Parser.assignmentOps.contains(op), onSameLogicalLine {
            let opToken = advance()
            guard lhs.isAssignable || (op == "=" && lhs.isAssignableTuple) else {
                if lhs.isAssignableTuple {
                    throw error("'\(op)' cannot update a tuple; write each: a \(op) x; b \(op) y", at: opToken)
                }
                throw error("cannot assign to this expression; the left side of '\(op)' must be a variable, an element or a member", at: opToken)
            }
            let rhs = try nested { try $0.parseAssignment() }
            return AssignExpr(op, lhs, rhs, opToken.location)
        }
        return lhs
    }

    private mutating func parseTernary() throws -> Expr {
        let cond = try parseNilCoalescing()
        if peek.isPunct("?"), onSameLogicalLine {
            let q = advance()
            let a = try nested { try $0.withNewlines(false) { try $0.parseTernary() } }
            _ = try expect(":", "to separate the branches of '?:'")
            let b = try nested { try $0.parseTernary() }
            return TernaryExpr(cond, a, b, q.location)
        }
        return cond
    }

    private mutating func parseNilCoalescing() throws -> Expr {
        let lhs = try parseBinary(level: 0)
        if peek.isPunct("??"), onSameLogicalLine {
            let op = advance()
            let rhs = try nested { try $0.parseNilCoalescing() }
            return LogicalExpr("??", lhs, rhs, op.location)
        }
        return lhs
    }

    /// Left-associative binary levels, loosest first.
    private static let levels: [[String]] = [
        ["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">="], ["..<", "..."], ["+", "-"], ["*", "/", "%", "@"],
    ]
    private static let rangeLevel = levels.firstIndex(of: ["..<", "..."])!

    private func binaryOperator(at level: Int) -> String? {
        switch peek.kind {
        case .punct(let op) where Parser.levels[level].contains(op): return op
        case .keyword(.or) where level == 0: return "||"
        case .keyword(.and) where level == 1: return "&&"
        default: return nil
        }
    }

    private mutating func parseBinary(level: Int) throws -> Expr {
        if level == Parser.levels.count { return try parsePower() }
        var lhs = try parseBinary(level: level + 1)
        var comparisons = 0
        while onSameLogicalLine, let op = binaryOperator(at: level) {
            // A one-sided range, `xs[n...]` or `case 5...:`, which the subscript or the case
            // pattern reads: nothing can follow `...` there.
            if op == "...", [")", "]", ":", ","].contains(where: peekAt(1).isPunct) { break }
            let t = advance()
            if level == 2 {
                comparisons += 1
                if comparisons > 1 {
                    throw error("comparisons cannot be chained; write a < b && b < c", at: t)
                }
            }
            let rhs = try parseBinary(level: level + 1)
            if op == "&&" || op == "||" {
                lhs = LogicalExpr(op, lhs, rhs, t.location)
            } else {
                lhs = BinaryExpr(op, lhs, rhs, t.location)
            }
        }
        // Casts bind tighter than comparisons and looser than ranges, as Swift's do.
        if level == Parser.rangeLevel { return try parseCasts(lhs) }
        return lhs
    }

    /// `value is T`, `value as T`, `value as? T`, `value as! T` (TypeCast.swift), each a call
    /// of the cast on the value.
    private mutating func parseCasts(_ value: Expr) throws -> Expr {
        var value = value
        while onSameLogicalLine, peek.isWord("as") || peek.isWord("is") {
            let t = advance()
            var kind = TypeCast.Kind.is
            if t.isWord("as") {
                kind = .as
                if !peek.spaceBefore, peek.isPunct("?") { advance(); kind = .conditional }
                else if !peek.spaceBefore, peek.isPunct("!") { advance(); kind = .forced }
            }
            let target = try castTarget(after: t, kind.rawValue)
            value = CallExpr(LiteralExpr(.function(TypeCast.function(kind, target)), t.location),
                             [Argument(label: nil, value: value)], optional: false, t.location)
        }
        return value
    }

    /// The type after `is` or `as` (`t`), read as a cast tests it.
    private mutating func castTarget(after t: Token, _ word: String? = nil) throws -> TypeCast.Target {
        let start = p
        _ = try parseType()
        guard let target = TypeCast.target(tokens[start..<p]) else {
            throw error("'\(word ?? t.spelling)' needs a type here: Int, Double, String, [Double], [String: Any], Tensor, ...", at: tokens[start])
        }
        if let typo = TypeCast.typo(in: target) {
            // Swift's compiler refuses it; a cast to it would be false (or nil) for every value.
            throw ScriptError(.name, "cannot find type '\(typo.written)'", at: tokens[start].location, in: source,
                              suggestion: "did you mean '\(typo.meant)'?")
        }
        return target
    }

    private mutating func parsePower() throws -> Expr {
        let base = try parseUnary()
        if peek.isPunct("**"), onSameLogicalLine {
            let t = advance()
            let exponent = try nested { try $0.parsePower() }
            return BinaryExpr("**", base, exponent, t.location)
        }
        return base
    }

    private mutating func parseUnary() throws -> Expr {
        let t = peek
        if t.isWord("try"), let form = tryForm() {
            // As in Swift, `try` covers the whole expression to its right.
            advance()
            if form != .plain { advance() }
            let inner = try nested { try $0.parseTernary() }
            return form == .optional ? OptionalTryExpr(inner, t.location) : inner
        }
        if t.isPunct("-") || t.isPunct("!") || t.isPunct("+") || t.isKeyword(.not) {
            advance()
            let operand = try nested { try $0.parseUnary() }
            if t.isPunct("+") { return operand }
            if t.isPunct("-"), let lit = operand as? LiteralExpr {
                // Fold `-5` so that Int.min and negative literals print as written.
                if case .int(let v) = lit.value { return LiteralExpr(.int(-v), t.location) }
                if case .double(let v) = lit.value { return LiteralExpr(.double(-v), t.location) }
            }
            return UnaryExpr(t.isPunct("-") ? "-" : "!", operand, t.location)
        }
        return try parsePostfix()
    }

    private enum TryForm { case plain, optional, forced }

    /// At the word `try`: which `try` it begins (`try`, `try?`, `try!`), or nil when it is a
    /// name (a variable called `try`).
    private func tryForm() -> TryForm? {
        let next = peekAt(1)
        if (next.isPunct("?") || next.isPunct("!")) && !next.spaceBefore && !next.newlineBefore {
            return Parser.startsOperand(peekAt(2)) ? (next.isPunct("?") ? .optional : .forced) : nil
        }
        return Parser.startsOperand(next) ? .plain : nil
    }

    /// Whether `t`, on the same line, can begin an operand.
    private static func startsOperand(_ t: Token) -> Bool {
        guard !t.newlineBefore else { return false }
        switch t.kind {
        case .identifier, .int, .double, .string, .dollar: return true
        case .keyword(let k): return [.nil, .true, .false, .not].contains(k)
        case .punct(let p): return ["(", "[", "-", "!", "."].contains(p)
        case .end: return false
        }
    }

    private mutating func parsePostfix() throws -> Expr {
        var expr = try parsePrimary()
        var chained = false
        var lastWasCall = false
        while true {
            let t = peek
            if t.isPunct(".") || t.isPunct("?.") {
                // A line starting with `.` continues a method chain.
                let optional = t.isPunct("?.")
                advance()
                let nameToken = peek
                let name: String
                switch nameToken.kind {
                case .identifier(let n): name = n
                case .int(let n): name = String(n)
                case .keyword(let k): name = k.rawValue
                default: throw error("expected a member name after '.', found \(nameToken.spelling)")
                }
                advance()
                chained = chained || optional
                expr = MemberExpr(expr, name, optional: optional, nameToken.location)
                lastWasCall = false
            } else if t.isPunct("?") && !t.spaceBefore && (peekAt(1).isPunct("[") || peekAt(1).isPunct("(")) {
                advance()
                chained = true
                expr = try parseCallOrSubscript(expr, optional: true)
                lastWasCall = expr is CallExpr
            } else if t.isPunct("!") && !t.spaceBefore {
                advance()
                expr = ForceUnwrapExpr(expr, t.location)
                lastWasCall = false
            } else if (t.isPunct("(") || t.isPunct("[")) && !t.newlineBefore {
                expr = try parseCallOrSubscript(expr, optional: false)
                lastWasCall = expr is CallExpr
            } else if t.isPunct("{") && !t.newlineBefore && trailingClosuresAllowed.last! {
                let closure = try parseClosure()
                if lastWasCall, let call = expr as? CallExpr {
                    expr = CallExpr(call.callee, call.arguments + [Argument(label: nil, value: closure)],
                                    optional: call.optional, call.location)
                } else {
                    expr = CallExpr(expr, [Argument(label: nil, value: closure)], optional: false, t.location)
                }
                lastWasCall = false
            } else {
                break
            }
        }
        return chained ? OptionalChainExpr(expr) : expr
    }

    private mutating func parseCallOrSubscript(_ callee: Expr, optional: Bool) throws -> Expr {
        let open = advance()
        if open.isPunct("(") {
            let args: [Argument] = try nested { parser in
                try parser.withNewlines(false) { parser in
                    try parser.withTrailingClosures(true) { parser in
                        var args: [Argument] = []
                        while !parser.peek.isPunct(")") {
                            var label: String? = nil
                            if case .identifier(let l) = parser.peek.kind, parser.peekAt(1).isPunct(":") {
                                label = l
                                parser.advance(); parser.advance()
                            } else if case .keyword(let k) = parser.peek.kind, parser.peekAt(1).isPunct(":") {
                                // A keyword is a label as in Swift: `trimmingCharacters(in: .whitespaces)`.
                                label = k.rawValue
                                parser.advance(); parser.advance()
                            }
                            args.append(Argument(label: label, value: try parser.operatorFunction() ?? parser.parseExpression()))
                            if !parser.match(",") { break }
                        }
                        return args
                    }
                }
            }
            _ = try expect(")", "to close the argument list opened at \(open.location)")
            return CallExpr(callee, args, optional: optional, callee.location)
        }
        var defaultValue: Expr? = nil
        var from: Expr? = nil
        let index: Expr = try nested { parser in
            try parser.withNewlines(false) { parser in
                try parser.withTrailingClosures(true) { parser in
                    // Swift's partial ranges: `xs[..<n]` and `xs[...n]` start at 0.
                    if let op = ["..<", "..."].first(where: { parser.peek.isPunct($0) }) {
                        let t = parser.advance()
                        return BinaryExpr(op, LiteralExpr(.int(0), t.location), try parser.parseExpression(), t.location)
                    }
                    var items: [Expr] = []
                    repeat {
                        if parser.peek.isPunct("]") { break }
                        if case .identifier("default") = parser.peek.kind, parser.peekAt(1).isPunct(":"), !items.isEmpty {
                            parser.advance(); parser.advance()
                            defaultValue = try parser.parseExpression()
                            break
                        }
                        items.append(try parser.parseExpression())
                        if parser.peek.isPunct(":") {
                            throw parser.error("a subscript takes a range, not a slice as in Python: write xs[a..<b], xs[a...] or xs[..<b]")
                        }
                        // `xs[n...]`: from n to the end.
                        if items.count == 1, parser.peek.isPunct("..."), parser.peekAt(1).isPunct("]") {
                            parser.advance()
                            from = items[0]
                            break
                        }
                    } while parser.match(",")
                    if items.isEmpty { throw parser.error("a subscript needs an index: xs[0]") }
                    return items.count == 1 ? items[0] : TupleExpr(items, open.location)
                }
            }
        }
        _ = try expect("]", "to close the subscript opened at \(open.location)")
        if let from {
            // On a name, `xs[n..<xs.count]`; on anything else, whose value must be computed
            // once, `suffix(from: n)`, which subscripts the same range (so both refuse `n`
            // past the end, and a Range's suffix is a Range).
            if callee is IdentifierExpr {
                let count = MemberExpr(callee, "count", optional: false, open.location)
                return SubscriptExpr(callee, BinaryExpr("..<", from, count, open.location), optional: optional, open.location)
            }
            let suffix = MemberExpr(callee, "suffix", optional: optional, open.location)
            return CallExpr(suffix, [Argument(label: "from", value: from)], optional: optional, open.location)
        }
        return SubscriptExpr(callee, index, optional: optional, defaultValue: defaultValue, open.location)
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = peek
        switch t.kind {
        case .int(let v): advance(); return LiteralExpr(.int(v), t.location)
        case .double(let v): advance(); return LiteralExpr(.double(v), t.location)
        case .keyword(.true): advance(); return LiteralExpr(.bool(true), t.location)
        case .keyword(.false): advance(); return LiteralExpr(.bool(false), t.location)
        case .keyword(.nil): advance(); return LiteralExpr(.nil, t.location)
        case .string(let parts):
            advance()
            return try stringExpr(parts, t.location)
        case .identifier(let name):
            if let typed = genericTypeCall(name) { return typed }
            advance()
            return IdentifierExpr(name, t.location)
        case .dollar(let n):
            advance()
            guard !shorthandStack.isEmpty, shorthandStack.last! >= -1 else {
                throw error("'$\(n)' can only be used in a closure without a parameter list", at: t)
            }
            shorthandStack[shorthandStack.count - 1] = max(shorthandStack.last!, n)
            return IdentifierExpr("$\(n)", t.location)
        case .punct("("):
            advance()
            var labels: [String?] = []
            let items: [Expr] = try nested { parser in
                try parser.withNewlines(false) { parser in
                    try parser.withTrailingClosures(true) { parser in
                        var items: [Expr] = []
                        while !parser.peek.isPunct(")") {
                            // `(name: "x", score: 0.9)`: a labelled element.
                            if case .identifier(let label) = parser.peek.kind, parser.peekAt(1).isPunct(":") {
                                parser.advance(); parser.advance()
                                labels.append(label)
                            } else {
                                labels.append(nil)
                            }
                            items.append(try parser.operatorFunction() ?? parser.parseExpression())
                            if !parser.match(",") { break }
                        }
                        return items
                    }
                }
            }
            _ = try expect(")", "to close the '(' at \(t.location)")
            if labels.contains(where: { $0 != nil }) {
                guard items.count > 1 else { throw error("a tuple of one element is that element: write (x), not (label: x)", at: t) }
                let named = labels.compactMap { $0 }
                if let twice = named.first(where: { l in named.filter { $0 == l }.count > 1 }) {
                    throw error("the tuple has two elements labelled '\(twice)'", at: t)
                }
                return labelledTuple(items, labels, t.location)
            }
            return items.count == 1 ? items[0] : TupleExpr(items, t.location)
        case .punct("["):
            if let typed = collectionTypeCall() { return typed }
            advance()
            return try parseCollection(t)
        case .punct("{"):
            return try parseClosure()
        case .punct("\\."):
            return try parseKeyPath()
        case .punct("."):
            advance()
            let (name, _) = try expectIdentifier("a member name after '.'")
            return SymbolExpr(name, t.location)
        case .end:
            throw error("expected an expression, but the cell ended")
        default:
            throw error("expected an expression, found \(t.spelling)")
        }
    }

    /// A collection type called, as Swift writes it: `[Double]()` and `[String: Int]()` (an
    /// empty collection), `[Int](repeating: 0, count: n)` (the type's initialiser, whose call
    /// follows: the name `Array` or `Dictionary`). The language is dynamically typed: the
    /// element types are read and dropped. Nil, with nothing consumed, for anything else.
    private mutating func collectionTypeCall() -> Expr? {
        // Looked at before anything is consumed: type tokens up to the `]` that closes this
        // `[`, then `(` (an Array literal stops at its first value that is not a name; `[a, b]`
        // is a literal, not a type).
        var depth = 0, parens = 0, k = 0, isDict = false
        repeat {
            let t = peekAt(k)
            guard Parser.isTypeToken(t), !(t.isPunct(",") && depth == 1 && parens == 0) else { return nil }
            if t.isPunct("[") { depth += 1 } else if t.isPunct("]") { depth -= 1 }
            if t.isPunct("(") { parens += 1 } else if t.isPunct(")") { parens -= 1 }
            if t.isPunct(":") && depth == 1 { isDict = true }
            k += 1
        } while depth > 0 && k < 64
        guard depth == 0, k > 2, peekAt(k).isPunct("("), !peekAt(k).spaceBefore else { return nil }
        let open = peek
        guard peekAt(k + 1).isPunct(")") else {
            for _ in 0..<k { advance() }
            return IdentifierExpr(isDict ? "Dictionary" : "Array", open.location)
        }
        for _ in 0..<(k + 2) { advance() }
        return isDict ? DictExpr([], open.location) : ArrayExpr([], open.location)
    }

    /// `(name: a, score: b)`: a call of the function that makes the labelled tuple.
    private func labelledTuple(_ items: [Expr], _ labels: [String?], _ at: SourceLocation) -> Expr {
        CallExpr(LiteralExpr(.function(LabelledTuple.maker(labels)), at), items.map { Argument(label: nil, value: $0) }, optional: false, at)
    }

    /// A generic collection type called, as Swift writes it: `Set<String>()`, `Array<Int>()`,
    /// `Dictionary<String, Int>()`; the type arguments are read and dropped (as
    /// `collectionTypeCall`'s are). Nil, with nothing consumed, for anything else (`a < b`).
    private mutating func genericTypeCall(_ name: String) -> Expr? {
        guard ["Set", "Array", "Dictionary"].contains(name), peekAt(1).isPunct("<"), !peekAt(1).spaceBefore else { return nil }
        var depth = 0, k = 1
        repeat {
            let t = peekAt(k)
            guard Parser.isTypeToken(t) else { return nil }
            if t.isPunct("<") { depth += 1 } else if t.isPunct(">") { depth -= 1 }
            k += 1
        } while depth > 0 && k < 64
        guard depth == 0, peekAt(k).isPunct("("), !peekAt(k).spaceBefore else { return nil }
        let at = peek.location
        if peekAt(k + 1).isPunct(")"), name != "Set" {
            for _ in 0..<(k + 2) { advance() }
            return name == "Array" ? ArrayExpr([], at) : DictExpr([], at)
        }
        for _ in 0..<k { advance() }
        return IdentifierExpr(name, at)
    }

    /// `\.count`, `\.a.b`: Swift's key path, read as the function `{ $0.count }` (what
    /// `map(\.count)` and `sorted(by:)`'s keys take).
    private mutating func parseKeyPath() throws -> Expr {
        let open = advance()
        var path: Expr = IdentifierExpr("$0", open.location)
        while true {
            let (name, at) = try expectIdentifier("a member name after '\\.', as in \\.count")
            path = MemberExpr(path, name, optional: false, at)
            guard peek.isPunct("."), !peek.spaceBefore else { break }
            advance()
        }
        let fn = FunctionDecl(name: "closure", parameters: [ParameterDecl(label: nil, name: "$0", defaultValue: nil, location: open.location)],
                              body: [ExpressionStmt(path)], isExpressionBody: true, isClosure: true, location: open.location)
        fn.shorthandCount = 1
        return ClosureExpr(fn, open.location)
    }

    /// A token a type is written with: a name, brackets, `:`, `,`, `?`, `!`, `<`, `>`, `->`.
    private static func isTypeToken(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier: return true
        case .punct(let p): return ["[", "]", "(", ")", ":", ",", "?", "!", "<", ">", "->"].contains(p)
        default: return false
        }
    }

    private mutating func parseCollection(_ open: Token) throws -> Expr {
        try nested { parser in
            try parser.withNewlines(false) { parser in
                try parser.withTrailingClosures(true) { parser in
                    if parser.match("]") { return ArrayExpr([], open.location) }
                    if parser.peek.isPunct(":") && parser.peekAt(1).isPunct("]") {
                        parser.advance(); parser.advance()
                        return DictExpr([], open.location)
                    }
                    let first = try parser.parseExpression()
                    if parser.match(":") {
                        var entries = [(key: first, value: try parser.parseExpression())]
                        while parser.match(",") {
                            if parser.peek.isPunct("]") { break }
                            let k = try parser.parseExpression()
                            _ = try parser.expect(":", "between a key and its value")
                            entries.append((k, try parser.parseExpression()))
                        }
                        _ = try parser.expect("]", "to close the dictionary opened at \(open.location)")
                        return DictExpr(entries, open.location)
                    }
                    if parser.peek.isKeyword(.for) {
                        throw parser.error("there are no list comprehensions: write xs.map { $0 * 2 }, with .filter { $0 > 0 } for an if (Python's [x * 2 for x in xs if x > 0])")
                    }
                    var items = [first]
                    while parser.match(",") {
                        if parser.peek.isPunct("]") { break }
                        items.append(try parser.parseExpression())
                    }
                    _ = try parser.expect("]", "to close the array opened at \(open.location)")
                    return ArrayExpr(items, open.location)
                }
            }
        }
    }

    /// True when the tokens after `{` (already consumed) are a parameter list ending in `in`.
    private func closureParametersAhead() -> Bool {
        var k = 0
        let parenthesized = peekAt(k).isPunct("(")
        if parenthesized { k += 1 }
        while true {
            let t = peekAt(k)
            guard case .identifier = t.kind else {
                if parenthesized && t.isPunct(")") { return inAhead(k + 1) }
                return false
            }
            k += 1
            if peekAt(k).isPunct(":") {   // a type annotation: skip one name
                k += 2
            }
            if peekAt(k).isPunct(",") { k += 1; continue }
            if parenthesized {
                guard peekAt(k).isPunct(")") else { return false }
                k += 1
            }
            return inAhead(k)
        }
    }

    /// Whether the token at `k` is `in`, or a return type (`-> Int`, `-> [String: Double]`)
    /// then `in`, as a closure's signature ends.
    private func inAhead(_ k: Int) -> Bool {
        var k = k
        if Parser.isThrows(peekAt(k)) { k += 1 }
        if peekAt(k).isKeyword(.in) { return true }
        guard peekAt(k).isPunct("->") else { return false }
        var j = k + 1
        while j - k < 64 {
            let t = peekAt(j)
            if t.isKeyword(.in) { return true }
            guard Parser.isTypeToken(t) else { return false }
            j += 1
        }
        return false
    }

    /// `throws` or `rethrows` after a parameter list: any function may raise an error here, so
    /// Swift's mark is read and needs nothing more (`try`, `do`/`catch` work without it).
    static func isThrows(_ t: Token) -> Bool { t.isWord("throws") || t.isWord("rethrows") }

    mutating func skipThrows() {
        if Parser.isThrows(peek) { advance() }
    }

    /// Operators that name a function of two arguments where an argument is expected, as in
    /// Swift: `xs.reduce(0, +)`, `xs.sorted(by: >)`, `(+)`.
    private static let operatorFunctions: Set<String> = ["+", "-", "*", "/", "%", "**", "@", "==", "!=", "<", "<=", ">", ">="]

    /// `{ lhs, rhs in lhs <op> rhs }` when an operator stands alone before `)` or `,`.
    private mutating func operatorFunction() -> Expr? {
        guard case .punct(let op) = peek.kind, Parser.operatorFunctions.contains(op),
              peekAt(1).isPunct(")") || peekAt(1).isPunct(",") else { return nil }
        let loc = advance().location
        let params = ["lhs", "rhs"].map { ParameterDecl(label: nil, name: $0, defaultValue: nil, location: loc) }
        let body = ExpressionStmt(BinaryExpr(op, IdentifierExpr("lhs", loc), IdentifierExpr("rhs", loc), loc))
        let fn = FunctionDecl(name: "closure", parameters: params, body: [body], isExpressionBody: true,
                              isClosure: true, location: loc)
        return ClosureExpr(fn, loc)
    }

    private mutating func parseClosure() throws -> Expr {
        let open = advance()
        var params: [ParameterDecl] = []
        var returns: DeclaredType?
        let explicit = closureParametersAhead()
        if explicit {
            let parenthesized = match("(")
            while case .identifier(let name) = peek.kind {
                let loc = advance().location
                let declared = try parseTypeAnnotation()
                params.append(ParameterDecl(label: nil, name: name, defaultValue: nil, location: loc, declaredType: declared))
                if !match(",") { break }
            }
            if parenthesized { _ = try expect(")", "to close the closure's parameters") }
            skipThrows()
            if match("->") { returns = try parseType() }
            advance() // `in`
        }
        shorthandStack.append(explicit ? -2 : -1)
        returnTypes.append(returns)
        var body: [Stmt]
        do {
            defer { returnTypes.removeLast() }
            body = try statementsUntilBrace("to close the closure opened at \(open.location)")
        }
        if let returns, body.count == 1, let e = body[0] as? ExpressionStmt { body[0] = ExpressionStmt(ConvertedExpr(e.expr, returns)) }
        let maxDollar = shorthandStack.removeLast()
        let fn = FunctionDecl(name: "closure", parameters: params, body: body,
                              isExpressionBody: body.count == 1 && body[0] is ExpressionStmt,
                              isClosure: true, location: open.location)
        if !explicit && maxDollar >= 0 {
            fn.shorthandCount = maxDollar + 1
            fn.parameters = (0...maxDollar).map {
                ParameterDecl(label: nil, name: "$\($0)", defaultValue: nil, location: open.location)
            }
        }
        return ClosureExpr(fn, open.location)
    }

    private mutating func stringExpr(_ parts: [StringPart], _ loc: SourceLocation) throws -> Expr {
        if parts.count == 1, case .text(let s) = parts[0] { return LiteralExpr(.string(s), loc) }
        var segments: [InterpolatedStringExpr.Segment] = []
        for part in parts {
            switch part {
            case .text(let s): segments.append(.text(s))
            case .code(let code, let at):
                var lexer = Lexer(code, source: source, line: at.line, column: at.column)
                var sub = Parser(tokens: try lexer.tokenize(), source: source)
                sub.depth = depth
                sub.shorthandStack = shorthandStack
                sub.newlinesMatter = [false]
                if sub.peek.isEnd { throw ScriptError(.syntax, "an interpolation '\\()' needs an expression", at: at, in: source) }
                let e = try sub.parseExpression()
                guard sub.peek.isEnd else { throw sub.error("unexpected \(sub.peek.spelling) in the interpolation") }
                // `$0` inside an interpolation counts for the enclosing closure.
                shorthandStack = sub.shorthandStack
                segments.append(.expr(e))
            }
        }
        return InterpolatedStringExpr(segments, loc)
    }
}
